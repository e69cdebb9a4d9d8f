// How a consume ended, as the user sees it: its result (counts and why it ended), the error a
// finished run turns into (with the count of written messages the broker never confirmed as a
// context field), and the checks that refuse --exit-at-end where it cannot work. Kept apart from
// the loop (consume.ts), which never decides exit codes.
import {ConnectionError, NotFoundError, TimeoutError, UnsupportedError, UsageError} from '../errors.js'
import type {Driver} from '../drivers/types.js'
import {formatCount, formatMillis, formatQuantity} from '../output/format.js'

/**
 * ack: settle after the line is written (default). requeue: peek — hold every written message
 * unacked and return them all at the end (returning them one by one would have the broker hand
 * the same message straight back). reject: nack without requeue (dead-letter). auto: the broker
 * settles on delivery (--no-ack).
 */
export type SettleMode = 'ack' | 'requeue' | 'reject' | 'auto'

export type ConsumeEnd = 'count' | 'idle' | 'end' | 'empty' | 'prefetch-full' | 'interrupted' | 'output-closed' | 'deleted' | 'connection-lost' | 'cancelled'

export interface ConsumeResult {
  /** Messages written to the output (and settled per the mode; with --recover, acknowledged on a live connection). */
  count: number
  /** Messages handed back unwritten (extra prefetched ones, or in flight when stopped), plus peeked ones. */
  returned: number
  /** Mean time from receipt to settlement (to the written line for auto and requeue), ms. */
  meanHandlingMs: number | null
  /** From subscribing to the last message handled, ms. */
  elapsedMs: number
  /** Messages per second from the first receipt to the last message handled. */
  ratePerSec: number | null
  ended: ConsumeEnd
  /** Broker's explanation when the subscription ended by itself. */
  endMessage?: string
  /**
   * Written (and acknowledged) messages whose acknowledgement the broker never confirmed, so
   * they may be delivered again (Kafka: offsets not committed, e.g. the broker went away).
   * Present only when not 0.
   */
  uncommitted?: number
  /**
   * --recover: messages written whose acknowledgement failed because the connection was lost. The
   * broker delivers them again (redelivered), and they are written again: expect that many
   * duplicate lines. Not in `count`. Present only with --recover.
   */
  redeliveryExpected?: number
}

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
