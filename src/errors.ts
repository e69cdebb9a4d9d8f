// The one place where failures get a name, a one-line message and an exit code.
// Drivers wrap broker/library errors into these at their boundary; commands never
// pick exit codes themselves. The table is documented in README.md ("Exit codes").

export const ExitCode = {
  ok: 0,
  /** Unexpected runtime failure (a bug, or a broker error with no better class). */
  failure: 1,
  /** Bad flag, argument, URL or value. */
  usage: 2,
  /** Cannot connect or authenticate (unreachable host, refused credentials, unknown vhost). */
  connection: 3,
  /** Timed out, or fewer messages than asked for arrived before the idle timeout. */
  timeout: 4,
  /** Queue, topic or exchange does not exist. */
  notFound: 5,
  /** Declared with settings that differ from the existing queue/topic. */
  precondition: 6,
  /** The backend cannot do what was asked (capability absent). */
  unsupported: 7,
  /** A bench `--assert` threshold failed. */
  assertion: 8,
  /** Some messages were not confirmed by the broker (nacked, unroutable, rejected). */
  delivery: 9,
  /** A capacity search (bench --find-max) found no rate that passes. */
  noSustainableRate: 10,
  /** A capacity search could not confirm its answer (failed when held again, contradicting steps, stopped early). */
  capacityUnconfirmed: 11,
  /** Interrupted by SIGINT/SIGTERM. */
  interrupted: 130,
  /** Interrupted by SIGTERM (128 + 15, the shell's convention); SIGINT stays `interrupted`. */
  sigterm: 143,
} as const

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode]

/** What a bench run had done when it failed. */
export interface RunSoFar {
  sent: number
  confirmed: number
  received: number
  /** Sent and neither confirmed nor refused: the broker may or may not have them. */
  unconfirmed: number
}

/**
 * Facts about what was under way when an error happened, kept as fields (for callers, tests and
 * the worker thread's wire) and said after the error's own words by `contextNotes`, the one place
 * they become text.
 */
export interface ErrorContext {
  /** consume: written messages whose acknowledgement the broker never confirmed; they may be delivered again. */
  uncommitted?: number
  /** bench: what the run had done before it failed. */
  runSoFar?: RunSoFar
}

export interface MqkitErrorOptions {
  cause?: unknown
  retriable?: boolean
  context?: ErrorContext
}

/**
 * The base of every error mqkit names. `message` is always `headline` followed by the notes of
 * `context` (messageWithContext): it is derived from the fields, never edited by callers, so
 * whoever reads it (the command's one error line, a test, a worker thread's wire) gets the same text.
 */
export class MqkitError extends Error {
  readonly code: string = 'MQKIT_ERROR'
  readonly exitCode: number = ExitCode.failure
  readonly retriable: boolean
  /** The error's own words, without the context notes. */
  readonly headline: string
  readonly context: ErrorContext

  constructor(message: string, options: MqkitErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : {cause: options.cause})
    this.name = new.target.name
    this.retriable = options.retriable ?? false
    this.headline = message
    this.context = {...options.context}
    this.message = messageWithContext(message, this.context)
  }

  /** Adds facts known to a layer above the thrower (what the run had done, what was not committed). */
  addContext(context: ErrorContext): this {
    Object.assign(this.context, context)
    this.message = messageWithContext(this.headline, this.context)
    return this
  }
}

/** A failure that is not one of ours (a library's or a bug), wrapped so it can carry context; exit 1 as before. */
export class UnexpectedError extends MqkitError {
  override readonly code = 'ERROR'
}

/**
 * `error` with `context` added. One of ours takes the fields; any other Error is wrapped in an
 * UnexpectedError (same words, exit code and --json code, the original as `cause`); a thrown
 * non-Error is returned as it is.
 */
export function withContext(error: unknown, context: ErrorContext): unknown {
  if (error instanceof MqkitError) return error.addContext(context)
  if (!(error instanceof Error)) return error
  const wrapped = new UnexpectedError(error.message, {cause: error, context})
  if (error.stack !== undefined) wrapped.stack = error.stack
  return wrapped
}

function messageWithContext(headline: string, context: ErrorContext): string {
  return [headline, ...contextNotes(context)].join('; ')
}

/** The words for each context fact, in a fixed order. */
export function contextNotes(context: ErrorContext): string[] {
  const notes: string[] = []
  if (context.uncommitted !== undefined && context.uncommitted > 0) notes.push(uncommittedText(context.uncommitted))
  const run = context.runSoFar
  if (run !== undefined) {
    const doubt = run.unconfirmed > 0 ? ` (${run.unconfirmed} never confirmed: the broker may or may not have them)` : ''
    notes.push(`before that: ${run.sent} sent, ${run.confirmed} confirmed, ${run.received} received${doubt}`)
  }
  return notes
}

/** "N written messages could not be committed …": a consume's note, or its warning when it did not fail. */
export function uncommittedText(uncommitted: number): string {
  return `${uncommitted} written message${uncommitted === 1 ? '' : 's'} could not be committed and may be delivered again`
}

export class UsageError extends MqkitError {
  override readonly code = 'USAGE'
  override readonly exitCode = ExitCode.usage
}

/**
 * A local store path (`file:PATH`) that cannot hold a store: a folder, no permission, a parent
 * that is a file or cannot be created, a file that is not SQLite. A bad value of --url, so exit 2.
 */
export class StorePathError extends UsageError {
  readonly storePath: string
  readonly reason: string
  constructor(storePath: string, reason: string, options: MqkitErrorOptions = {}) {
    super(`cannot use "${storePath}" as the local store: ${reason}`, options)
    this.storePath = storePath
    this.reason = reason
  }
}

export class ConnectionError extends MqkitError {
  override readonly code = 'CONNECTION'
  override readonly exitCode = ExitCode.connection
  constructor(message: string, options: MqkitErrorOptions = {}) {
    super(message, {retriable: true, ...options})
  }
}

/**
 * A publish whose connection died before the broker answered: it may or may not have the message
 * (Jepsen's "indeterminate"). Under --recover it is counted in doubt, never lost.
 */
export class OutcomeUnknownError extends ConnectionError {
  readonly outcomeUnknown = true
}

/** --recover: reconnecting failed for the whole budget, or met an error retrying cannot cure. */
export class RecoveryFailedError extends ConnectionError {
  readonly role: string
  readonly attempts: number
  readonly outageMs: number
  constructor(message: string, options: MqkitErrorOptions & {role: string; attempts: number; outageMs: number}) {
    super(message, {...options, retriable: false})
    this.role = options.role
    this.attempts = options.attempts
    this.outageMs = options.outageMs
  }
}

export class TimeoutError extends MqkitError {
  override readonly code = 'TIMEOUT'
  override readonly exitCode = ExitCode.timeout
}

export class NotFoundError extends MqkitError {
  override readonly code = 'NOT_FOUND'
  override readonly exitCode = ExitCode.notFound
}

/** A redeclare whose settings differ from what exists. `setting` names the difference. */
export class PreconditionError extends MqkitError {
  override readonly code = 'PRECONDITION'
  override readonly exitCode = ExitCode.precondition
  readonly setting?: string
  constructor(message: string, options: MqkitErrorOptions & {setting?: string} = {}) {
    super(message, options)
    this.setting = options.setting
  }
}

export class UnsupportedError extends MqkitError {
  override readonly code = 'UNSUPPORTED'
  override readonly exitCode = ExitCode.unsupported
}

export class AssertionFailedError extends MqkitError {
  override readonly code = 'ASSERTION'
  override readonly exitCode = ExitCode.assertion
}

/** The broker refused a message (nack, unroutable return, reject-publish overflow). */
export class DeliveryError extends MqkitError {
  override readonly code = 'DELIVERY'
  override readonly exitCode = ExitCode.delivery
  readonly reason: 'nacked' | 'unroutable' | 'rejected'
  constructor(message: string, options: MqkitErrorOptions & {reason?: DeliveryError['reason']} = {}) {
    super(message, options)
    this.reason = options.reason ?? 'nacked'
  }
}

/** bench --find-max: even the lowest rate tried failed. */
export class NoSustainableRateError extends MqkitError {
  override readonly code = 'NO_SUSTAINABLE_RATE'
  override readonly exitCode = ExitCode.noSustainableRate
}

/** bench --find-max: the answer did not hold when run again, steps contradict each other, or the search stopped early. */
export class CapacityUnconfirmedError extends MqkitError {
  override readonly code = 'CAPACITY_UNCONFIRMED'
  override readonly exitCode = ExitCode.capacityUnconfirmed
}

export class InterruptedError extends MqkitError {
  override readonly code = 'INTERRUPTED'
  override readonly exitCode = ExitCode.interrupted
}

export function isMqkitError(error: unknown): error is MqkitError {
  return error instanceof MqkitError
}

/**
 * An error as it crosses a thread boundary (structured clone keeps no class): name, its own words
 * (`headline` for ours), exit code, context fields.
 */
export interface ErrorOnTheWire {
  name: string
  message: string
  exitCode?: number
  context?: ErrorContext
}

/** What a thread posts for `error` (errorFromWire makes the typed error again). */
export function errorToWire(error: unknown): ErrorOnTheWire {
  if (error instanceof MqkitError) return {name: error.name, message: error.headline, exitCode: error.exitCode, context: {...error.context}}
  const e = error as Error & {exitCode?: number}
  return {name: e?.name ?? 'Error', message: e?.message ?? String(error), exitCode: e?.exitCode}
}

const ERROR_TYPES: Record<string, new (message: string, options?: MqkitErrorOptions) => MqkitError> = {
  UsageError,
  ConnectionError,
  TimeoutError,
  NotFoundError,
  PreconditionError,
  UnsupportedError,
  AssertionFailedError,
  DeliveryError,
  NoSustainableRateError,
  CapacityUnconfirmedError,
  InterruptedError,
}

/** The typed error again, so its exit code survives (an unknown name keeps the code it carried). */
export function errorFromWire(wire: ErrorOnTheWire): MqkitError {
  const Type = ERROR_TYPES[wire.name]
  if (Type) return new Type(wire.message, {context: wire.context})
  const error = new MqkitError(wire.message, {context: wire.context})
  if (wire.exitCode !== undefined) Object.defineProperty(error, 'exitCode', {value: wire.exitCode})
  return error
}
