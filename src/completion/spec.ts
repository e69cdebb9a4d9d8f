// What shell completion knows about mqkit, taken from oclif's command metadata (the manifest or
// the loaded commands), so the bash, zsh and fish scripts never list a command or flag by hand.
// The scripts (bash.ts, zsh.ts, fish.ts) are pure functions of this spec.
import type {Command, Config} from '@oclif/core'

export interface FlagSpec {
  /** Without the dashes: `url`. */
  long: string
  /** One letter, without the dash: `u`. */
  short?: string
  /** One line, for the shells that show descriptions (zsh, fish). */
  summary: string
  /** An option flag (takes a value) rather than a boolean. */
  takesValue: boolean
  /** The values an option flag accepts, when it names them. */
  values?: string[]
  /** Repeatable (`--header a --header b`). */
  multiple: boolean
  /** Its values are the names of the contexts (`--context`), listed when TAB is pressed. */
  contexts?: true
}

/**
 * What a positional argument completes to: queue names (from the local store, where cheap), file
 * names, one of a fixed list, or nothing (free text such as a message).
 */
export type ArgKind = {kind: 'queue'} | {kind: 'context'} | {kind: 'file'} | {kind: 'values'; values: string[]} | {kind: 'text'}

export interface CommandSpec {
  /** As typed: `publish`, or `context use` for a command of a topic. */
  id: string
  summary: string
  flags: FlagSpec[]
  /** In order; `rest` completes every position past the last one (`inspect [NAME...]`). */
  args: ArgKind[]
  rest?: ArgKind
  /**
   * The commands of the topic of this name (`context add`, `report merge`), offered as its first
   * argument; once one is typed, the line is completed as that command's.
   */
  subcommands?: CommandSpec[]
}

export interface CompletionSpec {
  /** The command the scripts complete: `mqkit`. */
  bin: string
  commands: CommandSpec[]
}

/**
 * The argument NAME of declare, delete, publish, consume and inspect is a queue (topic, exchange)
 * name; MESSAGE is free text. Any other argument without a list of values is a file (report
 * FILE..., plan [RESULT]). In the `context` topic NAME is a context (a new one, free text, for
 * `context add`) and URL free text.
 */
const ARG_KINDS: Record<string, ArgKind> = {name: {kind: 'queue'}, message: {kind: 'text'}}
const CONTEXT_ARG_KINDS: Record<string, ArgKind> = {name: {kind: 'context'}, url: {kind: 'text'}}
const CONTEXT_ADD_ARG_KINDS: Record<string, ArgKind> = {name: {kind: 'text'}, url: {kind: 'text'}}

/** oclif answers --help on every command, though no command declares it. */
const HELP_FLAG: FlagSpec = {long: 'help', summary: 'Show help for this command.', takesValue: false, multiple: false}

/**
 * `help [COMMAND]` and `version` are no commands: the command_not_found hook answers them
 * (src/hooks/command-not-found.ts). Their `args` are filled in by buildSpec.
 */
const HOOK_WORDS: CommandSpec[] = [
  {id: 'help', summary: 'Show help for mqkit or one of its commands.', flags: [], args: []},
  {id: 'version', summary: 'Show the version of mqkit.', flags: [], args: []},
]

export function buildSpec(config: Pick<Config, 'bin' | 'commands'> & {topics?: Config['topics']}): CompletionSpec {
  const visible = config.commands.filter((command) => !command.hidden)
  const commands = visible.filter((command) => !command.id.includes(':')).map(commandSpec)
  // One level of topics (`context add`): a topic that is no command itself is a word of its own.
  const byTopic = new Map<string, CommandSpec[]>()
  for (const command of visible.filter((c) => c.id.split(':').length === 2)) {
    const [topic, name] = command.id.split(':')
    byTopic.set(topic, [...(byTopic.get(topic) ?? []), {...commandSpec(command), id: `${topic} ${name}`}])
  }
  for (const [topic, subcommands] of byTopic) {
    let owner = commands.find((command) => command.id === topic)
    if (owner === undefined) {
      const summary = firstLine(config.topics?.find((t) => t.name === topic)?.description ?? subcommands.map((c) => c.id.split(' ')[1]).join(', '))
      owner = {id: topic, summary, flags: [HELP_FLAG], args: []}
      commands.push(owner)
    }
    owner.subcommands = subcommands.sort((a, b) => a.id.localeCompare(b.id))
  }
  commands.sort((a, b) => a.id.localeCompare(b.id))
  const ids = commands.map((command) => command.id)
  const hookWords = HOOK_WORDS.filter((word) => !ids.includes(word.id)).map((word) =>
    word.id === 'help' ? {...word, args: [{kind: 'values', values: ids} as const]} : word,
  )
  return {bin: config.bin, commands: [...commands, ...hookWords]}
}

function commandSpec(command: Command.Loadable): CommandSpec {
  const flags = Object.entries(command.flags)
    .filter(([, flag]) => !flag.hidden)
    .flatMap(([name, flag]) => flagSpecs(name, flag))
  const kinds = command.id === 'context:add' ? CONTEXT_ADD_ARG_KINDS : command.id.startsWith('context:') ? CONTEXT_ARG_KINDS : ARG_KINDS
  const args = Object.values(command.args)
    .filter((arg) => !arg.hidden)
    .map((arg) => argKind(arg, kinds))
  // A non-strict command takes more of its last argument (inspect NAME..., report FILE...); a
  // command with several arguments takes more of the last one only (publish NAME MESSAGE...).
  const rest = command.strict === false ? args.at(-1) : undefined
  return {id: command.id, summary: firstLine(command.summary ?? command.description ?? ''), flags: [...flags, HELP_FLAG], args, ...(rest ? {rest} : {})}
}

function flagSpecs(name: string, flag: Command.Flag.Cached): FlagSpec[] {
  const summary = firstLine(flag.summary ?? flag.description ?? '')
  if (flag.type === 'boolean') {
    const spec: FlagSpec = {long: name, ...(flag.char ? {short: flag.char} : {}), summary, takesValue: false, multiple: false}
    return flag.allowNo ? [spec, {long: `no-${name}`, summary: `Not --${name}.`, takesValue: false, multiple: false}] : [spec]
  }
  return [
    {
      long: name,
      ...(flag.char ? {short: flag.char} : {}),
      summary,
      takesValue: true,
      ...(flag.options && flag.options.length > 0 ? {values: [...flag.options]} : {}),
      multiple: flag.multiple === true,
      ...(name === 'context' ? {contexts: true as const} : {}),
    },
  ]
}

function argKind(arg: Command.Arg.Cached, kinds: Record<string, ArgKind>): ArgKind {
  if (arg.options && arg.options.length > 0) return {kind: 'values', values: [...arg.options]}
  return kinds[arg.name] ?? {kind: 'file'}
}

/** The words of a topic's commands: `add list remove` for `context`. */
export function subcommandWords(command: CommandSpec): string[] {
  return (command.subcommands ?? []).map((sub) => sub.id.slice(command.id.length + 1))
}

function firstLine(text: string): string {
  return text.split('\n')[0].trim()
}

/** How a flag is written on the line: `--url`, then `-u` if it has a letter. */
export function flagWords(flag: FlagSpec): string[] {
  return flag.short ? [`--${flag.long}`, `-${flag.short}`] : [`--${flag.long}`]
}

/** A shell function name from the bin (`my-cli` → `my_cli`). */
export function identifier(bin: string): string {
  return bin.replace(/[^A-Za-z0-9_]/g, '_')
}
