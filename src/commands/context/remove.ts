import {Args} from '@oclif/core'
import {BaseCommand} from '../../base-command.js'
import {removeContext, type RemovedContext} from '../../config/contexts.js'
import {renderRemoved} from '../../output/contexts.js'

export default class ContextRemove extends BaseCommand<typeof ContextRemove> {
  static override summary = 'Remove a named context (if it was the current one, there is none after).'

  static override examples = [{description: 'Forget "staging":', command: '<%= config.bin %> <%= command.id %> staging'}]

  static override baseFlags = {verbose: BaseCommand.baseFlags.verbose} as unknown as typeof BaseCommand.baseFlags

  static override args = {
    name: Args.string({required: true, description: 'The context to remove.'}),
  }

  public async run(): Promise<RemovedContext> {
    const {args} = this
    const removed = removeContext(args.name)
    if (!this.jsonEnabled()) this.log(renderRemoved(removed))
    return removed
  }
}
