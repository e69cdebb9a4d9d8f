// Shared flags and the one `catch` that turns any error into a one-line message on stderr and
// a documented exit code (src/errors.ts). Commands extend this and stay thin.
import {Command, Flags, type Interfaces} from '@oclif/core'
import {ExitCode, InterruptedError, isMqkitError, UsageError} from './errors.js'
import {selectUrl} from './config/contexts.js'
import {colourFor} from './output/colour.js'
import {errorLine} from './output/error-line.js'
import {DEFAULT_CONNECT_TIMEOUT_MS} from './drivers/defaults.js'
import {defaultStorePath} from './drivers/local/paths.js'
import type {DriverContext} from './drivers/types.js'
import {durationFlag} from './flags.js'
import {redactUrl} from './url.js'

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof BaseCommand)['baseFlags'] & T['flags']>
export type BaseArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>

/** The URL used when nothing names a broker (BaseCommand.urlDefault 'memory'). */
export const DEFAULT_URL = 'memory://'

export abstract class BaseCommand<T extends typeof Command> extends Command {
  static override enableJsonFlag = true

  static override baseFlags = {
    // MQKIT_URL and MQKIT_CONTEXT are read by selectUrl (src/config/contexts.ts), not by oclif:
    // --context must beat MQKIT_URL, which oclif would have put into --url.
    url: Flags.string({
      char: 'u',
      summary: '[env: MQKIT_URL] Broker URL: memory://, amqp://user:pass@host:5672/vhost, kafka://host:9092[,host:9092], file:./queues.db',
      helpGroup: 'CONNECTION',
    }),
    context: Flags.string({
      summary:
        '[env: MQKIT_CONTEXT] Connect to the URL of this named context (mqkit context list). First given wins: --url, --context, MQKIT_URL, MQKIT_CONTEXT, the current context.',
      helpValue: 'NAME',
      helpGroup: 'CONNECTION',
    }),
    // No oclif `default:`: every default is shown one way, "Default: X." in the summary.
    'connect-timeout': durationFlag({
      summary: `Give up connecting after this long, e.g. 5s or 500ms (bare number: seconds). Default: ${DEFAULT_CONNECT_TIMEOUT_MS / 1000}s.`,
      helpGroup: 'CONNECTION',
    }),
    verbose: Flags.boolean({
      char: 'v',
      summary: 'Print diagnostics and stack traces on stderr.',
      helpGroup: 'GLOBAL',
    }),
  }

  /** The command's flags and arguments, parsed once in init() (commands read these, not this.parse). */
  protected flags!: BaseFlags<T>
  protected args!: BaseArgs<T>
  /** Every positional argument in order, the ones after the declared args included (`strict = false`). */
  protected positionals!: string[]
  /** Aborted on SIGINT/SIGTERM so long-running commands can stop cleanly (and settle messages). */
  protected readonly interrupt = new AbortController()
  protected readonly stderrColour = colourFor(process.stderr)
  protected readonly stdoutColour = colourFor(process.stdout)
  /** The signal that interrupted the run, which decides its exit code (see exit()). */
  private interruptedBy?: NodeJS.Signals
  private readonly onSignal = (signal: NodeJS.Signals) => {
    if (this.interrupt.signal.aborted) {
      // Second Ctrl-C: the user means it.
      process.exit(interruptedExitCode(signal))
    }
    this.interruptedBy = signal
    this.diag(`${signal} received, stopping…`)
    this.interrupt.abort(new InterruptedError(`interrupted by ${signal}`))
  }

  /**
   * Where a command connects when neither --url, --context, MQKIT_URL, MQKIT_CONTEXT nor a
   * current context names a broker. `local-store`, for the terminal verbs (declare, publish,
   * consume, inspect, delete): the durable local store, so separate invocations meet with no
   * broker; said once on stderr so nobody is surprised where their messages went. `memory`
   * (DEFAULT_URL) for the rest: `bench` never writes into a user's store.
   */
  static urlDefault: 'memory' | 'local-store' = 'memory'

  /** The URL to connect to: --url, --context, MQKIT_URL, MQKIT_CONTEXT, the current context (selectUrl), else `urlDefault`. */
  protected get url(): string {
    if (this.resolvedUrl === undefined) {
      const selected = selectUrl({url: this.flags.url, context: this.flags.context})
      if (selected?.context !== undefined) this.verboseLog(`mqkit: using context "${selected.context}" (${selected.source})`)
      this.resolvedUrl = selected?.url ?? ((this.ctor as unknown as typeof BaseCommand).urlDefault === 'local-store' ? this.localStore() : DEFAULT_URL)
    }
    return this.resolvedUrl
  }

  private resolvedUrl?: string

  private localStore(): string {
    const storePath = defaultStorePath()
    this.diag(`mqkit: no --url given; using the local store file:${storePath} (set --url or MQKIT_URL to choose)`)
    return `file:${storePath}`
  }

  protected clientName(): string {
    return `mqkit ${this.config.version} ${this.id ?? ''}`.trim()
  }

  /**
   * How drivers connect: the client name and --connect-timeout, and (`interruptible`) the
   * command's interrupt, so a driver stops waiting on SIGINT/SIGTERM. Runs that watch the signal
   * themselves (bench, plan) leave it out.
   */
  protected driverContext(options: {interruptible?: boolean} = {}): DriverContext {
    return {
      clientName: this.clientName(),
      connectTimeoutMs: this.flags['connect-timeout'],
      ...(options.interruptible === false ? {} : {signal: this.interrupt.signal}),
    }
  }

  /** A diagnostic line on stderr (never stdout, so pipes stay clean). */
  protected diag(message: string): void {
    process.stderr.write(`${redactUrl(message)}\n`)
  }

  protected verboseLog(message: string): void {
    if (this.flags?.verbose || process.env.DEBUG) this.diag(message)
  }

  public override async init(): Promise<void> {
    await super.init()
    const {flags, args, argv} = await this.parse({
      flags: this.ctor.flags,
      baseFlags: (super.ctor as typeof BaseCommand).baseFlags,
      enableJsonFlag: this.ctor.enableJsonFlag,
      args: this.ctor.args,
      strict: this.ctor.strict,
    })
    this.flags = flags as BaseFlags<T>
    this.args = args as BaseArgs<T>
    this.positionals = argv as string[]
    process.on('SIGINT', this.onSignal)
    process.on('SIGTERM', this.onSignal)
  }

  /**
   * Commands say "interrupted" (ExitCode.interrupted); which signal it was decides the code the
   * process ends with: 130 after SIGINT, 143 after SIGTERM, as a shell reports them.
   */
  public override exit(code = 0): never {
    return super.exit(this.bySignal(code))
  }

  /** The exit code `error` ends the run with, as exit() will make it (for --json error documents). */
  protected exitCodeFor(error: Error): number {
    return this.bySignal(exitCodeOf(error))
  }

  private bySignal(code: number): number {
    return code === ExitCode.interrupted && this.interruptedBy !== undefined ? interruptedExitCode(this.interruptedBy) : code
  }

  /**
   * The one line an error is said in ("mqkit: <line>", and the --json error's message): its words
   * with their context notes (MqkitError), made one line, URLs redacted. Every command's error
   * text goes through here.
   */
  protected errorText(error: Error): string {
    return redactUrl(errorLine(error, {bin: this.config.bin, commandId: this.id}))
  }

  protected override async catch(error: Error & {exitCode?: number; oclif?: {exit?: number}}): Promise<unknown> {
    // oclif's own exit (this.exit / help) passes straight through.
    if (error.message === 'EEXIT' || error.message?.startsWith('EEXIT')) throw error
    if ((error as {code?: string}).code === 'EEXIT') throw error
    const exitCode = this.exitCodeFor(error)
    const message = this.errorText(error)
    const verbose = this.flags?.verbose || Boolean(process.env.DEBUG)
    process.stderr.write(`${this.stderrColour.red('mqkit:')} ${message}\n`)
    if (verbose && error.stack) process.stderr.write(`${redactUrl(error.stack)}\n`)
    if (this.jsonEnabled()) {
      const code = isMqkitError(error) ? error.code : exitCode === ExitCode.usage ? 'USAGE' : 'ERROR'
      process.stdout.write(`${JSON.stringify({error: {code, message, exitCode}})}\n`)
    }
    this.exit(exitCode)
  }

  protected override async finally(error: Error | undefined): Promise<unknown> {
    process.off('SIGINT', this.onSignal)
    process.off('SIGTERM', this.onSignal)
    return super.finally(error)
  }
}

function interruptedExitCode(signal: NodeJS.Signals): number {
  return signal === 'SIGTERM' ? ExitCode.sigterm : ExitCode.interrupted
}

function exitCodeOf(error: Error & {oclif?: {exit?: number}}): number {
  if (isMqkitError(error)) return error.exitCode
  // oclif's flag/arg parse errors carry exit 2: they are usage errors.
  if (error.oclif?.exit !== undefined) return error.oclif.exit === 1 ? ExitCode.usage : error.oclif.exit
  return ExitCode.failure
}

export {UsageError}
