import {Args} from '@oclif/core'
import {BaseCommand} from '../../base-command.js'
import {showContext, type ContextDetails} from '../../config/contexts.js'
import {renderContextDetails} from '../../output/contexts.js'

export default class ContextShow extends BaseCommand<typeof ContextShow> {
  static override summary = 'Show a context: its URL (passwords as ***), the variables it needs, whether they are set.'

  static override description = 'Without NAME, the context commands use now: MQKIT_CONTEXT, else the current context. The values of variables are never shown.'

  static override examples = [
    {description: 'The context in use:', command: '<%= config.bin %> <%= command.id %>'},
    {description: 'One context, as JSON:', command: '<%= config.bin %> <%= command.id %> prod --json'},
  ]

  static override baseFlags = {verbose: BaseCommand.baseFlags.verbose} as unknown as typeof BaseCommand.baseFlags

  static override args = {
    name: Args.string({description: 'The context to show; default: the one in use.'}),
  }

  public async run(): Promise<ContextDetails> {
    const {args} = this
    const details = showContext(args.name)
    if (process.env.MQKIT_URL && args.name === undefined) {
      this.diag(`${this.stderrColour.yellow('mqkit: warning:')} MQKIT_URL is set in this shell: commands without --url or --context use it, not this context`)
    }
    if (!this.jsonEnabled()) this.log(renderContextDetails(details))
    return details
  }
}
