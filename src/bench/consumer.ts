// One consumer's message handler: timestamps the receipt first thing, reads the stamp from the
// body (or its header: message/stamp-header.ts), records end-to-end latency (and, open loop, latency
// from the intended send time), tracks integrity, simulates the handling work, then acks. No
// object, closure or promise chain per message on the no-work path: it returns nothing, so the
// driver adds no continuation either. After the ack the body goes back to `release` (memory://
// runs recycle the bodies their producers published; see message/payload.ts).
import type {Delivery, MessageHandler} from '../drivers/types.js'
import {nowNs} from './clock.js'
import type {IntegrityTracker} from './integrity.js'
import type {Measurements} from './measurements.js'
import type {WorkMode, WorkSpec} from './options.js'
import {FIELD_ACTUAL_NS, FIELD_INTENDED_NS, FIELD_KEY_INDEX, FIELD_PRODUCER, FIELD_SEQUENCE, readStampFields} from './message/stamp.js'
import {readStampHeader, STAMP_HEADER} from './message/stamp-header.js'
import {preciseSleep, sampleWorkMs, spinUntil} from './work.js'

export interface ConsumerCounters {
  /** Handlers started and not yet acked (work in progress). */
  active: number
  /** Ack promises watched and not yet settled (Kafka: commits on their way). */
  unsettledAcks: number
  ackErrors: number
  lastAckError?: unknown
}

export function makeConsumerHandler(
  measurements: Measurements,
  integrity: IntegrityTracker,
  work: WorkSpec,
  workMode: WorkMode,
  counters: ConsumerCounters,
  release?: (body: Buffer) => void,
  stampInHeader = false,
  /** This consumer's order lane on a queue (its run-wide index): see below. */
  consumerLane = 0,
  /** Added to this host's clock readings to compare them with the stamp's (producer.ts stampClockOffsetNs). */
  stampClockOffsetNs = 0,
): MessageHandler {
  const onAckError = (error: unknown) => {
    counters.unsettledAcks--
    counters.ackErrors++
    counters.lastAckError = error
  }
  // An ack is settled when the broker is done with the message: on Kafka when the commit after
  // it lands (the group's lag, bench's queue length on kafka://, counts the message until then),
  // elsewhere at once. That wait is part of the time in queue (Little's law's W), so it is timed.
  // Acks settled together share one promise (Kafka: one per commit; memory://: one for all), so a
  // promise is watched once, for the acks made while it was pending: Σ(settled − ackᵢ) is
  // count × (settled − ack₁) − Σ(ackᵢ − ack₁) (differences keep the sums exact in a double).
  // An ack on a promise already settled waited for nothing.
  let watchedAck: Promise<void> | undefined
  let pendingAcks: {count: number; firstNs: number; sumAfterFirstNs: number} | undefined
  const ack = (delivery: Delivery, ackNs: number): void => {
    const settled = delivery.ack()
    release?.(delivery.body)
    if (settled === watchedAck) {
      if (pendingAcks !== undefined) {
        pendingAcks.count++
        pendingAcks.sumAfterFirstNs += ackNs - pendingAcks.firstNs
      }
      return
    }
    watchedAck = settled
    const acks = {count: 1, firstNs: ackNs, sumAfterFirstNs: 0}
    pendingAcks = acks
    counters.unsettledAcks++
    settled.then(() => {
      counters.unsettledAcks--
      if (pendingAcks === acks) pendingAcks = undefined
      measurements.onAckSettled(acks.count * (nowNs() - acks.firstNs) - acks.sumAfterFirstNs)
    }, onAckError)
  }
  const finish = (delivery: Delivery, receiveNs: number, actualNs: number, doneNs = nowNs()): void => {
    measurements.onHandled(doneNs - receiveNs, doneNs + stampClockOffsetNs - actualNs)
    counters.active--
    ack(delivery, doneNs)
  }
  // The stamp's fields, read once per message into one reused array.
  const stamp = new Float64Array(5)
  return (delivery: Delivery) => {
    const receiveNs = nowNs()
    const body = delivery.body
    if (!(stampInHeader ? readStampHeader(delivery.headers[STAMP_HEADER], stamp) : readStampFields(body, stamp))) {
      integrity.foreign++
      ack(delivery, receiveNs)
      return
    }
    const actualNs = stamp[FIELD_ACTUAL_NS]
    const intendedNs = stamp[FIELD_INTENDED_NS]
    const stampClockNs = receiveNs + stampClockOffsetNs
    measurements.onReceive(stampClockNs - actualNs, intendedNs === 0 ? Number.NaN : stampClockNs - intendedNs, body.length, receiveNs)
    // Order lane. On a log (a partition is given): the key when there is one, else the partition
    // (Kafka spreads unkeyed messages over partitions, and only order within a partition is
    // promised). On a queue: this consumer. Competing consumers each get their share of the queue
    // in order, but their handlers interleave, so a queue-wide lane would count a competing
    // consumers' run "out of order" with the broker in order throughout.
    const keyIndex = stamp[FIELD_KEY_INDEX]
    const lane = delivery.partition === undefined ? consumerLane : keyIndex >= 0 ? keyIndex : delivery.partition
    integrity.onReceive(stamp[FIELD_PRODUCER], stamp[FIELD_SEQUENCE], delivery.redelivered, lane)
    counters.active++
    const workMs = sampleWorkMs(work)
    if (workMs <= 0) {
      finish(delivery, receiveNs, actualNs)
      return
    }
    if (workMode === 'spin') {
      finish(delivery, receiveNs, actualNs, spinUntil(receiveNs + workMs * 1e6))
      return
    }
    return preciseSleep(workMs).then(() => finish(delivery, receiveNs, actualNs))
  }
}
