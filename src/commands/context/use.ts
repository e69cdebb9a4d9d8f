import {Args, Flags} from '@oclif/core'
import {BaseCommand, UsageError} from '../../base-command.js'
import {useContext, type UsedContext} from '../../config/contexts.js'
import {renderUsed} from '../../output/contexts.js'

export default class ContextUse extends BaseCommand<typeof ContextUse> {
  static override summary = 'Make a context the current one: what commands use without --url or --context.'

  static override description =
    '--url, --context, MQKIT_URL and MQKIT_CONTEXT all take precedence over the current context; with none of them and no current context, commands use their default (the local store, or memory:// for bench and plan).'

  static override examples = [
    {description: 'Use "prod" from now on:', command: '<%= config.bin %> <%= command.id %> prod'},
    {description: 'Back to the defaults:', command: '<%= config.bin %> <%= command.id %> --none'},
  ]

  static override baseFlags = {verbose: BaseCommand.baseFlags.verbose} as unknown as typeof BaseCommand.baseFlags

  static override args = {
    name: Args.string({description: 'The context to make current.'}),
  }

  static override flags = {
    none: Flags.boolean({summary: 'Have no current context.'}),
  }

  public async run(): Promise<UsedContext> {
    const {args, flags} = this
    if ((args.name === undefined) === !flags.none)
      throw new UsageError(`name the context to use, or --none for no current context: ${this.config.bin} context use NAME|--none`)
    const used = useContext(args.name)
    for (const variable of ['MQKIT_URL', 'MQKIT_CONTEXT']) {
      if (process.env[variable])
        this.diag(`${this.stderrColour.yellow('mqkit: warning:')} ${variable} is set in this shell and takes precedence over the current context`)
    }
    if (!this.jsonEnabled()) this.log(renderUsed(used))
    return used
  }
}
