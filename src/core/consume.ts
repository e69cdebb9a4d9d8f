// The consume loop. Deliveries are buffered in arrival order and handled in order by a single
// worker: write the line (with `writeMany`, the lines of what arrived in one event-loop turn in one
// write), wait until stdout has taken it, and only then settle the message (the settlement's
// confirmation is not waited for before the next line; see `unconfirmed`).
// So an interrupted consume loses nothing: every message is either written or returned to the
// queue (at worst a message is written and also returned, i.e. at-least-once).
// With `count`, exactly `count` messages are written and settled; extra prefetched ones are
// returned with nack(requeue). With `exitAtEnd` (log backends, kcat -e) the loop ends when the
// subscription says every assigned partition was read to its end, after writing what it holds.
// A peek (requeue) holds every message it wrote, so once the queue has none left to hand out
// nothing more can arrive: it ends then ('empty'), or when it holds a full prefetch ('prefetch-full').
// With `recovery` (--recover) the driver reconnects by itself and re-subscribes: an ack that fails
// because the connection was lost does not end the loop. Its message was written, and the broker
// delivers it again (at-least-once): it is counted in `redeliveryExpected`, not in `count`, so
// --count N still means N messages written and acknowledged; the copy that comes back is written
// and counted like any message.
// The loop never prints; the caller's `write` (or `writeMany`) does the output.
import {DEFAULT_PREFETCH} from '../drivers/defaults.js'
import type {ConnectionWatch} from '../drivers/recovering.js'
import type {Delivery, Driver, StartPosition, Subscription} from '../drivers/types.js'
import {ConnectionError, UsageError, withContext} from '../errors.js'
import {refuseExitAtEnd, type ConsumeEnd, type ConsumeResult, type SettleMode} from './consume-end.js'

/** @default 2000 — how long an interrupted consume waits for a line being written before returning its message. */
export const INTERRUPT_GRACE_MS = 2000
/**
 * @default 200 — a peek asks whether the queue still has ready messages once this long passed
 * without a delivery: a message the broker sent just before it answered "none ready" has arrived
 * by then, and a queue being read quickly is not asked about between its messages.
 */
export const PEEK_QUIET_MS = 200
/**
 * @default 50 — Kafka: least time between two offset commits while messages stream in (the acks
 * meanwhile share one commit). A commit per event-loop turn was a large part of a fast consume's
 * CPU, and the broker's; an ack still settles only once its commit is confirmed, and a consume
 * that is killed (not interrupted: Ctrl-C commits first) gets at most this much more again.
 */
export const COMMIT_INTERVAL_MS = 50

export interface ConsumeLoopOptions {
  driver: Driver
  queue: string
  count?: number
  idleTimeoutMs?: number
  prefetch?: number
  mode: SettleMode
  group?: string
  from?: StartPosition
  signal?: AbortSignal
  /** Stop once every assigned partition was read to its end (features.endOfLog). */
  exitAtEnd?: boolean
  /** Resolves once the output has taken the message's line; rejects when the output is gone. */
  write: (delivery: Delivery) => Promise<void>
  /**
   * The lines of several messages, in order, with one write; resolves once the output has taken
   * all of them. When given, the loop writes what arrived during one event-loop turn together
   * (at most the prefetch, and never past --count) and settles each only after that write:
   * one system call for many lines instead of one per line.
   */
  writeMany?: (deliveries: readonly Delivery[]) => Promise<void>
  interruptGraceMs?: number
  /** @default PEEK_QUIET_MS */
  peekQuietMs?: number
  /**
   * --recover: `driver` reconnects by itself (drivers/recovering.ts). A settlement lost with the
   * connection is counted, not fatal, and --idle-timeout counts only time with a live connection.
   */
  recovery?: ConnectionWatch
}

/** Prefetch for a run: explicit, else no more than --count (fewer to hand back), else the default. */
export function effectivePrefetch(prefetch: number | undefined, count: number | undefined, mode: SettleMode): number {
  if (prefetch !== undefined) return prefetch
  // Peeking holds every message unacked until the end, so the broker must be willing to send `count`.
  if (mode === 'requeue' && count !== undefined) return count
  return count === undefined ? DEFAULT_PREFETCH : Math.min(count, DEFAULT_PREFETCH)
}

export async function consumeMessages(options: ConsumeLoopOptions): Promise<ConsumeResult> {
  const {driver, queue, count, mode, signal, recovery} = options
  const graceMs = options.interruptGraceMs ?? INTERRUPT_GRACE_MS
  const prefetch = effectivePrefetch(options.prefetch, count, mode)
  if (options.exitAtEnd) refuseExitAtEnd(driver, mode)
  if (recovery && mode === 'requeue') {
    throw new UsageError('--recover cannot be combined with --requeue: a lost connection returns every message the peek holds to the queue, to be shown again')
  }
  /** Received and not yet written, in arrival order; `receivedAt[i]` is when `buffer[i]` arrived. */
  const buffer: Delivery[] = []
  const receivedAt: number[] = []
  const held: Delivery[] = [] // requeue mode: written, returned at the end
  let handled = 0
  let returned = 0
  let redeliveryExpected = 0
  let handlingSumMs = 0
  let firstReceivedMs: number | undefined
  let lastHandledMs: number | undefined
  let working = false
  let stopping = false
  let ended: ConsumeEnd | undefined
  let endMessage: string | undefined
  let fatal: unknown
  let idleTimer: NodeJS.Timeout | undefined
  let peekTimer: NodeJS.Timeout | undefined
  let received = 0
  let resolveStopped!: () => void
  const stopped = new Promise<void>((resolve) => (resolveStopped = resolve))
  let resolveIdleWorker: (() => void) | undefined
  /** The subscription reached the end of the log: stop once the buffer is written. */
  let atEnd = false

  const giveBack = (delivery: Delivery) => {
    returned++
    delivery.nack(true).catch(() => {}) // the connection closing returns it too
  }
  const stop = (reason: ConsumeEnd, message?: string) => {
    if (stopping) return
    stopping = true
    ended = reason
    endMessage = message
    clearTimeout(idleTimer)
    clearTimeout(peekTimer)
    resolveStopped()
  }
  const armIdle = (delayMs = options.idleTimeoutMs) => {
    if (options.idleTimeoutMs === undefined || stopping) return
    clearTimeout(idleTimer)
    idleTimer = setTimeout(idleOver, delayMs)
  }
  const idleOver = () => {
    // --recover: an outage is not an idle queue; the quiet time counts from the reconnection.
    const idleMs = options.idleTimeoutMs!
    const upForMs = recovery?.upForMs()
    if (recovery && (upForMs === undefined || upForMs < idleMs)) return armIdle(upForMs === undefined ? idleMs : idleMs - upForMs)
    stop('idle')
  }

  // A peek holds what it wrote, so it never sees more than the queue held (or the prefetch allows).
  // The ready count answers for the queue only where one backlog serves every consumer: on a log
  // it is a group's lag, and a log cannot requeue anyway.
  const peekEnds = mode === 'requeue' && driver.features.requeue && !driver.features.backlogIsGroupLag
  const armPeekCheck = () => {
    if (!peekEnds || stopping) return
    clearTimeout(peekTimer)
    peekTimer = setTimeout(() => void checkPeekEnd(), options.peekQuietMs ?? PEEK_QUIET_MS)
  }
  const checkPeekEnd = async () => {
    if (stopping) return
    if (working || buffer.length > 0) return armPeekCheck() // the worker re-arms once it is done
    const receivedBefore = received
    const ready = await driver.inspect([queue]).then(
      (result) => result.queues[0]?.ready,
      () => undefined, // asked again later; a queue that went away ends the subscription itself
    )
    if (stopping) return
    if (ready === 0 && received === receivedBefore && !working && buffer.length === 0) stop('empty')
    else armPeekCheck()
  }

  // Settlements sent and not yet confirmed (Kafka: until the commit lands), awaited before the
  // loop ends. The next message does not wait for them: its line is written while the previous
  // commit travels. Waiting for each one would make a Kafka consume one commit round trip per
  // message.
  const unconfirmed = new Set<Promise<void>>()
  let lastTracked: Promise<void> | undefined
  const track = (settled: Promise<void>) => {
    // Kafka: the acks of one event-loop turn share a commit, so one promise comes many times in a row
    if (settled === lastTracked || unconfirmed.has(settled)) return
    lastTracked = settled
    unconfirmed.add(settled)
    settled.then(
      () => unconfirmed.delete(settled),
      (error: unknown) => {
        unconfirmed.delete(settled)
        fatal ??= error
        stop('connection-lost', error instanceof Error ? error.message : String(error))
      },
    )
  }
  /**
   * --recover: each settlement watched on its own (Kafka's acks of one turn share a commit, and a
   * failed commit fails every message in it). One lost with the connection takes its message out
   * of the count: the broker delivers it again.
   */
  const trackRecovering = (settled: Promise<void>, handlingMs: number) => {
    const watched: Promise<void> = settled.then(
      () => void unconfirmed.delete(watched),
      (error: unknown) => {
        unconfirmed.delete(watched)
        if (!(error instanceof ConnectionError)) {
          fatal ??= error
          return stop('connection-lost', error instanceof Error ? error.message : String(error))
        }
        handled--
        handlingSumMs -= handlingMs
        redeliveryExpected++
      },
    )
    unconfirmed.add(watched)
  }
  /** Every settlement sent so far has its outcome. */
  const allSettled = async () => {
    while (unconfirmed.size > 0) await Promise.allSettled([...unconfirmed])
  }
  const settle = (delivery: Delivery, handlingMs: number) => {
    switch (mode) {
      case 'ack':
        if (recovery) trackRecovering(delivery.ack(), handlingMs)
        else track(delivery.ack())
        break
      case 'reject':
        if (recovery) trackRecovering(delivery.nack(false), handlingMs)
        else track(delivery.nack(false))
        break
      case 'requeue':
        held.push(delivery)
        break
      case 'auto':
        break
    }
  }

  /** Most messages the next write may take: one at a time without writeMany; never past --count or a peek's prefetch. */
  const runLimit = () => {
    const toCount = count === undefined ? Number.POSITIVE_INFINITY : count - handled
    if (options.writeMany === undefined) return Math.min(1, toCount)
    return Math.min(toCount, mode === 'requeue' ? prefetch - held.length : Number.POSITIVE_INFINITY)
  }
  const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve))

  const work = async () => {
    if (working) return
    working = true
    try {
      while (buffer.length > 0 && !stopping) {
        // Batched output: let the deliveries of this turn arrive, to write them together.
        if (options.writeMany !== undefined && buffer.length < runLimit()) {
          await nextTurn()
          if (stopping) break
        }
        const limit = runLimit()
        if (limit <= 0) {
          receivedAt.shift()
          giveBack(buffer.shift()!)
          continue
        }
        const taken = Math.min(limit, buffer.length)
        const run = buffer.splice(0, taken)
        const runReceivedAt = receivedAt.splice(0, taken)
        const written = await writeWithinGrace(run)
        if (written !== 'written') {
          if (mode !== 'auto') for (const delivery of run) giveBack(delivery)
          if (written === 'closed') stop('output-closed')
          break
        }
        const now = performance.now()
        for (let i = 0; i < run.length; i++) {
          const handlingMs = now - runReceivedAt[i]
          handled++
          handlingSumMs += handlingMs
          settle(run[i], handlingMs)
        }
        lastHandledMs = now
        armIdle()
        if (count !== undefined && handled >= count) {
          // --recover: --count N is N acknowledged. An ack lost with the connection gave its
          // message back to the broker: the loop goes on for its copy (or another message).
          if (recovery) {
            await allSettled()
            if (stopping) break
            if (handled < count) continue
          }
          stop('count')
        } else if (mode === 'requeue' && held.length >= prefetch) stop('prefetch-full')
      }
    } catch (error) {
      fatal ??= error
      stop('connection-lost', error instanceof Error ? error.message : String(error))
    } finally {
      working = false
      if (atEnd && buffer.length === 0) stop('end')
      armPeekCheck()
      resolveIdleWorker?.()
    }
  }

  // Wait for the write; once interrupted, wait at most `graceMs` more. 'late' means it was not
  // seen to finish: the message is returned (it may also have been printed: a duplicate, never a loss).
  let giveUpOnWrite: (() => void) | undefined
  const writeWithinGrace = (run: readonly Delivery[]) =>
    new Promise<'written' | 'closed' | 'late'>((resolve) => {
      let settled = false
      const finish = (outcome: 'written' | 'closed' | 'late') => {
        if (settled) return
        settled = true
        giveUpOnWrite = undefined
        resolve(outcome)
      }
      giveUpOnWrite = () => finish('late')
      const writing = options.writeMany === undefined ? options.write(run[0]) : options.writeMany(run)
      writing.then(
        () => finish('written'),
        () => finish('closed'),
      )
    })

  const onAbort = () => {
    stop('interrupted')
    setTimeout(() => giveUpOnWrite?.(), graceMs).unref()
  }
  if (signal?.aborted) return emptyResult('interrupted')
  signal?.addEventListener('abort', onAbort, {once: true})

  // One clock read per synchronous run of deliveries: the records of one fetch (or one socket
  // read) arrive together, and a read per message was a visible part of a fast consume's CPU.
  let stampMs: number | undefined
  const clearStamp = () => {
    stampMs = undefined
  }
  const receiptMs = () => {
    if (stampMs === undefined) {
      stampMs = performance.now()
      queueMicrotask(clearStamp)
    }
    return stampMs
  }

  const startMs = performance.now()
  let subscription: Subscription | undefined
  try {
    subscription = await driver.consume(
      queue,
      {prefetch, autoAck: mode === 'auto', group: options.group, from: options.from, exitAtEnd: options.exitAtEnd, commitIntervalMs: COMMIT_INTERVAL_MS},
      (delivery) => {
        if (stopping) {
          if (mode !== 'auto') giveBack(delivery)
          return
        }
        const receivedMs = receiptMs()
        firstReceivedMs ??= receivedMs
        received++
        buffer.push(delivery)
        receivedAt.push(receivedMs)
        armIdle()
        armPeekCheck()
        if (!working) void work() // an async call costs a promise even when it returns at once
      },
    )
    armIdle()
    armPeekCheck()
    subscription.ended.then(
      (reason) => {
        if (reason.kind === 'cancelled') return stop('cancelled')
        if (reason.kind !== 'end') return stop(reason.kind, reason.message)
        // Everything delivered was settled; with --no-ack some may still wait to be written.
        atEnd = true
        if (!working && buffer.length === 0) stop('end')
      },
      (error: unknown) => stop('connection-lost', error instanceof Error ? error.message : String(error)),
    )
    await stopped
  } finally {
    signal?.removeEventListener('abort', onAbort)
    clearTimeout(idleTimer)
    clearTimeout(peekTimer)
    // Let the message being written finish (or time out) before handing the rest back.
    if (working) await new Promise<void>((resolve) => (resolveIdleWorker = resolve))
    // Every ack sent is confirmed (or has failed) before the subscription goes.
    await allSettled()
    await subscription?.cancel().catch(() => {})
    if (mode !== 'auto') {
      receivedAt.length = 0
      for (const delivery of buffer.splice(0)) giveBack(delivery)
      for (const delivery of held.splice(0)) {
        returned++
        await delivery.nack(true).catch(() => {})
      }
    }
  }
  const uncommitted = subscription?.uncommitted?.() ?? 0
  if (fatal !== undefined) {
    // The one line the user sees must still say what the broker never confirmed.
    throw uncommitted > 0 ? withContext(fatal, {uncommitted}) : fatal
  }

  const result: ConsumeResult = {
    count: handled,
    returned,
    meanHandlingMs: handled > 0 ? round(handlingSumMs / handled, 3) : null,
    elapsedMs: round((lastHandledMs ?? performance.now()) - startMs, 3),
    ratePerSec:
      handled > 0 && firstReceivedMs !== undefined && lastHandledMs! > firstReceivedMs ? round((handled * 1000) / (lastHandledMs! - firstReceivedMs), 1) : null,
    ended: ended ?? 'cancelled',
  }
  if (endMessage !== undefined) result.endMessage = endMessage
  if (uncommitted > 0) result.uncommitted = uncommitted
  if (recovery) result.redeliveryExpected = redeliveryExpected
  return result

  function emptyResult(reason: ConsumeEnd): ConsumeResult {
    return {count: 0, returned: 0, meanHandlingMs: null, elapsedMs: 0, ratePerSec: null, ended: reason}
  }
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits
  return Math.round(value * factor) / factor
}
