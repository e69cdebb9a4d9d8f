import {BaseCommand} from '../../base-command.js'
import {listContexts, type ContextListing} from '../../config/contexts.js'
import {renderContextList} from '../../output/contexts.js'
import {outputWidth} from '../../output/table.js'

export default class ContextList extends BaseCommand<typeof ContextList> {
  static override summary = 'List the named contexts; the current one is marked "*".'

  static override description =
    `Contexts live in $XDG_CONFIG_HOME/mqkit/contexts.json (default ~/.config/mqkit). Passwords written into a URL are shown as ***; \${NAME} references to environment variables are shown as stored.`

  static override examples = [
    {description: 'As a table:', command: '<%= config.bin %> <%= command.id %>'},
    {description: 'As JSON:', command: '<%= config.bin %> <%= command.id %> --json'},
  ]

  // No broker: of the shared flags only --verbose means anything (see report.ts for the cast).
  static override baseFlags = {verbose: BaseCommand.baseFlags.verbose} as unknown as typeof BaseCommand.baseFlags

  public async run(): Promise<ContextListing> {
    const list = listContexts()
    if (!this.jsonEnabled()) {
      if (list.contexts.length === 0) this.diag(`mqkit: no contexts in ${list.file}; add one with: ${this.config.bin} context add NAME URL`)
      else this.log(renderContextList(list, outputWidth(process.stdout)))
    }
    return list
  }
}
