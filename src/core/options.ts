// Small flag-to-contract mappings shared by the commands (kept out of src/commands, where oclif
// would take every file for a command).
import {DEFAULT_RECOVER_TIMEOUT_MS} from '../bench/options.js'
import {UsageError} from '../errors.js'
import type {StartPosition} from '../drivers/types.js'

/**
 * --recover [--recover-timeout D] → the budget of one outage in ms, or undefined (recovery off).
 * The same rule for every command that recovers (publish, consume, bench).
 */
export function recoverBudgetMs(recover: boolean | undefined, recoverTimeoutMs: number | undefined): number | undefined {
  if (recoverTimeoutMs !== undefined && recover !== true) throw new UsageError('--recover-timeout needs --recover')
  if (recover !== true) return undefined
  return recoverTimeoutMs ?? DEFAULT_RECOVER_TIMEOUT_MS
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
