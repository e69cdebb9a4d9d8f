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

export interface MqkitErrorOptions {
  cause?: unknown
  retriable?: boolean
}

export class MqkitError extends Error {
  readonly code: string = 'MQKIT_ERROR'
  readonly exitCode: number = ExitCode.failure
  readonly retriable: boolean

  constructor(message: string, options: MqkitErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : {cause: options.cause})
    this.name = new.target.name
    this.retriable = options.retriable ?? false
  }
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

/** An error as it crosses a thread boundary (structured clone keeps no class): name, message, exit code. */
export interface ErrorOnTheWire {
  name: string
  message: string
  exitCode?: number
}

const ERROR_TYPES: Record<string, new (message: string) => MqkitError> = {
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
  if (Type) return new Type(wire.message)
  const error = new MqkitError(wire.message)
  if (wire.exitCode !== undefined) Object.defineProperty(error, 'exitCode', {value: wire.exitCode})
  return error
}
