import {Args, Flags} from '@oclif/core'
import {BaseCommand, UsageError} from '../base-command.js'
import {bashScript} from '../completion/bash.js'
import {fishScript} from '../completion/fish.js'
import {localQueueNames} from '../completion/queues.js'
import {contextNames} from '../config/contexts.js'
import {buildSpec, type CompletionSpec} from '../completion/spec.js'
import {zshScript} from '../completion/zsh.js'

const SCRIPTS: Record<string, (spec: CompletionSpec) => string> = {bash: bashScript, zsh: zshScript, fish: fishScript}

export default class Completion extends BaseCommand<typeof Completion> {
  static override summary = 'Print a shell completion script for bash, zsh or fish.'

  static override description =
    `The script completes commands, flags, the values of flags that take one of a fixed set, and file names. Queue names are completed from the local store the terminal verbs use without --url (the default store, or the file: store of MQKIT_URL or of the context in use) when its file exists; after --url or --context on the line, none are offered, since listing a broker's queues would mean connecting to it. The values of --context and the NAME of "context use", "context show" and "context remove" complete to the context names. The script is made from the installed commands: print it again after an upgrade if you saved it to a file.`

  static override examples = [
    {description: 'bash, in every new shell:', command: `echo 'source <(<%= config.bin %> <%= command.id %> bash)' >> ~/.bashrc`},
    {description: 'zsh, in every new shell (after compinit):', command: `echo 'source <(<%= config.bin %> <%= command.id %> zsh)' >> ~/.zshrc`},
    {description: 'fish:', command: '<%= config.bin %> <%= command.id %> fish > ~/.config/fish/completions/<%= config.bin %>.fish'},
  ]

  static override enableJsonFlag = false

  // No broker here: of the shared flags only --verbose means anything. (The type is the base
  // class's, as TypeScript requires of a static override; BaseCommand reads only `verbose`
  // unless a command asks for its URL, which this one never does.)
  static override baseFlags = {verbose: BaseCommand.baseFlags.verbose} as typeof BaseCommand.baseFlags

  static override args = {
    shell: Args.string({options: Object.keys(SCRIPTS), description: 'The shell to complete for.'}),
  }

  static override flags = {
    queues: Flags.boolean({hidden: true, summary: 'Print the queue names the scripts offer, one a line (what they run on TAB).'}),
    contexts: Flags.boolean({hidden: true, summary: 'Print the context names the scripts offer, one a line (what they run on TAB).'}),
  }

  public async run(): Promise<string> {
    const {args, flags} = this
    if (flags.contexts) {
      const text = contextNames()
        .map((name) => `${name}\n`)
        .join('')
      process.stdout.write(text)
      return text
    }
    if (flags.queues) {
      const names = await localQueueNames()
      const text = names.map((name) => `${name}\n`).join('')
      process.stdout.write(text)
      return text
    }
    if (args.shell === undefined) throw new UsageError(`name the shell: ${this.config.bin} completion ${Object.keys(SCRIPTS).join('|')}`)
    const script = SCRIPTS[args.shell](buildSpec(this.config))
    process.stdout.write(script)
    return script
  }
}
