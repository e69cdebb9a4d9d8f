// One consumer's message handler: timestamps the receipt first thing, reads the stamp from the
// body, records end-to-end latency (and, open loop, latency from the intended send time),
// tracks integrity, simulates the handling work, then acks. No object per message.
import type {Delivery, MessageHandler} from '../drivers/types.js'
import type {IntegrityTracker} from './integrity.js'
import type {Measurements} from './measurements.js'
import type {WorkSpec} from './options.js'
import {hasStamp, stampActualNs, stampIntendedNs, stampProducerId, stampSequence} from './stamp.js'
import {preciseSleep, sampleWorkMs} from './work.js'

export interface ConsumerCounters {
  /** Handlers started and not yet acked (work in progress). */
  active: number
  ackErrors: number
  lastAckError?: unknown
}

export function makeConsumerHandler(
  measurements: Measurements,
  integrity: IntegrityTracker,
  work: WorkSpec,
  counters: ConsumerCounters,
): MessageHandler {
  const onAckError = (error: unknown) => {
    counters.ackErrors++
    counters.lastAckError = error
  }
  const finish = (delivery: Delivery, receiveNs: bigint, actualNs: bigint): Promise<void> => {
    const doneNs = process.hrtime.bigint()
    measurements.onHandled(Number(doneNs - receiveNs), Number(doneNs - actualNs))
    counters.active--
    return delivery.ack().catch(onAckError)
  }
  return (delivery: Delivery) => {
    const receiveNs = process.hrtime.bigint()
    const body = delivery.body
    if (!hasStamp(body)) {
      integrity.foreign++
      return delivery.ack().catch(onAckError)
    }
    const actualNs = stampActualNs(body)
    const intendedNs = stampIntendedNs(body)
    measurements.onReceive(
      Number(receiveNs - actualNs),
      intendedNs === 0n ? Number.NaN : Number(receiveNs - intendedNs),
      body.length,
      receiveNs,
    )
    integrity.onReceive(stampProducerId(body), stampSequence(body), delivery.redelivered)
    counters.active++
    const workMs = sampleWorkMs(work)
    if (workMs <= 0) return finish(delivery, receiveNs, actualNs)
    return preciseSleep(workMs).then(() => finish(delivery, receiveNs, actualNs))
  }
}
