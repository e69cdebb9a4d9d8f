// --recover's budget per outage, one rule for every command that recovers (publish, consume,
// bench). Kept out of src/commands, where oclif would take every file for a command.
import {UsageError} from '../errors.js'

/** @default 60000 — --recover's budget per outage when --recover-timeout is not given. */
export const DEFAULT_RECOVER_TIMEOUT_MS = 60_000

/**
 * --recover [--recover-timeout D] → the budget of one outage in ms, or undefined (recovery off).
 * The same rule for every command that recovers (publish, consume, bench).
 */
export function recoverBudgetMs(recover: boolean | undefined, recoverTimeoutMs: number | undefined): number | undefined {
  if (recoverTimeoutMs !== undefined && recover !== true) throw new UsageError('--recover-timeout needs --recover')
  if (recover !== true) return undefined
  return recoverTimeoutMs ?? DEFAULT_RECOVER_TIMEOUT_MS
}
