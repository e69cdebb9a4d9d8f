// How a consume ended, as the user sees it: the error a finished run turns into (with the count
// of written messages the broker never confirmed as a context field), and the checks that refuse
// --exit-at-end where it cannot work. Kept apart from the loop (consume.ts), which never decides exit codes.
import {ConnectionError, NotFoundError, TimeoutError, UnsupportedError, UsageError} from '../errors.js'
import type {Driver} from '../drivers/types.js'
import type {ConsumeResult, SettleMode} from './consume.js'
import {formatCount, formatMillis, formatQuantity} from '../output/format.js'

/** The error a finished consume turns into (after its summary was shown), if any. */
export function consumeFailure(result: ConsumeResult, options: {queue: string; count?: number; idleTimeoutMs?: number}): Error | undefined {
  switch (result.ended) {
    case 'idle':
      if (options.count !== undefined && result.count < options.count) {
        return new TimeoutError(
          `only ${formatCount(result.count)} of ${formatQuantity(options.count, 'message')} arrived from "${options.queue}" before --idle-timeout (${formatMillis(options.idleTimeoutMs ?? 0)} without a message)`,
        )
      }
      return undefined
    case 'deleted':
      return new NotFoundError(`queue "${options.queue}" went away while consuming${result.endMessage ? `: ${result.endMessage}` : ''}`)
    case 'connection-lost':
      return new ConnectionError(`connection lost while consuming "${options.queue}"${result.endMessage ? `: ${result.endMessage}` : ''}`, {
        context: {uncommitted: result.uncommitted},
      })
    default:
      return undefined
  }
}

/** --exit-at-end needs a log with an end, and acknowledged messages to know what was read. */
export function refuseExitAtEnd(driver: Driver, mode: SettleMode): void {
  if (!driver.features.endOfLog) {
    throw new UnsupportedError(
      `--exit-at-end is not supported on ${driver.backend}:// (a queue has no end of log to reach); use --idle-timeout to stop when nothing arrives`,
    )
  }
  if (mode === 'requeue')
    throw new UsageError('--exit-at-end cannot be combined with --requeue: peeked messages are never acknowledged, so the end is never reached')
}
