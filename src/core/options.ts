// Small flag-to-contract mappings shared by the commands (kept out of src/commands, where oclif
// would take every file for a command).
import {UsageError} from '../errors.js'
import type {DriverContext, StartPosition} from '../drivers/types.js'
import {parseDurationMs} from '../options/parse.js'

/**
 * @default 60000 — --recover's budget per outage when --recover-timeout is not given (publish,
 * consume, bench). Here rather than in bench/options.ts, so commands that never bench (inspect)
 * do not load bench's option parsing at start-up.
 */
export const DEFAULT_RECOVER_TIMEOUT_MS = 60_000

/** `signal`: the command's interrupt (BaseCommand.interrupt), so drivers stop waiting on SIGINT/SIGTERM. */
export function driverContext(clientName: string, connectTimeout: string | undefined, signal?: AbortSignal): DriverContext {
  return {
    clientName,
    connectTimeoutMs: connectTimeout === undefined ? undefined : parseDurationMs('connect-timeout', connectTimeout),
    ...(signal === undefined ? {} : {signal}),
  }
}

/**
 * --recover [--recover-timeout D] → the budget of one outage in ms, or undefined (recovery off).
 * The same rule and messages as bench's (bench/options.ts).
 */
export function parseRecoverBudget(recover: boolean | undefined, recoverTimeout: string | undefined): number | undefined {
  if (recoverTimeout !== undefined && recover !== true) throw new UsageError('--recover-timeout needs --recover')
  if (recover !== true) return undefined
  if (recoverTimeout === undefined) return DEFAULT_RECOVER_TIMEOUT_MS
  const ms = parseDurationMs('recover-timeout', recoverTimeout)
  if (ms <= 0) throw new UsageError(`--recover-timeout must be longer than 0, got "${recoverTimeout}"`)
  return ms
}

/** --from beginning | end | OFFSET | @TIMESTAMP_MS | ISO date (2024-05-01T12:00:00Z). */
export function parseStartPosition(raw: string | undefined): StartPosition {
  if (raw === undefined) return {kind: 'default'}
  const text = raw.trim()
  if (/^(beginning|earliest|first)$/i.test(text)) return {kind: 'beginning'}
  if (/^(end|latest|last|next)$/i.test(text)) return {kind: 'end'}
  if (/^\d+$/.test(text)) return {kind: 'offset', offset: text}
  // kcat -o -N: the last N messages of each partition (Kafka).
  if (/^-\d+$/.test(text)) return {kind: 'offset', offset: text}
  if (/^@\d+$/.test(text)) return {kind: 'timestamp', epochMs: Number(text.slice(1))}
  if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
    const epochMs = Date.parse(text)
    if (Number.isFinite(epochMs)) return {kind: 'timestamp', epochMs}
  }
  throw new UsageError(`--from must be beginning, end, an offset, -N (the last N of each partition), @EPOCH_MS or an ISO date, got "${raw}"`)
}

/** --acks all | leader | none → Kafka's -1 | 1 | 0. */
export function parseAcks(raw: string | undefined): -1 | 0 | 1 | undefined {
  switch (raw) {
    case undefined:
      return undefined
    case 'all':
      return -1
    case 'leader':
      return 1
    case 'none':
      return 0
    default:
      throw new UsageError(`--acks must be all, leader or none, got "${raw}"`)
  }
}
