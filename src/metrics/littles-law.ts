// Little's law, L = λW: the mean number of messages in the system equals the arrival
// (or departure) rate times the mean time each spends there. Comparing the sampled queue
// length with λW checks that the figures a run reports are consistent with each other.

export interface LittlesLaw {
  /** Measured mean number in system (time-weighted queue length: ready + in flight). */
  L: number
  /** Throughput, messages per second. */
  lambdaPerSecond: number
  /** Mean time in the queue, milliseconds: confirm → ack settled (timeInQueueMs). */
  wMs: number
  /** λ·W, the number in system the other two figures predict. */
  lambdaW: number
  /**
   * (L − λW) / λW; null when the check cannot be made: λW below MIN_COMPARABLE_LAMBDA_W, or a
   * queue sampled empty every time (L = 0) against a λW below EMPTY_SAMPLES_MIN_LAMBDA_W.
   */
  relativeError: number | null
}

/**
 * Below this many messages in the system on average there is nothing to compare: a memory:// run
 * whose acks settle within a microtask has a W of nanoseconds, and "−100 %" against a λW of
 * 0.000002 would read as a fault.
 */
export const MIN_COMPARABLE_LAMBDA_W = 0.01

/**
 * @default 1 message. A sampler reads whole messages at instants; with fewer than one message in
 * the system on average the queue is mostly empty, and a run whose samples all read 0 (memory://,
 * whose broker delivers within the event-loop turn that published, while the sampler runs between
 * turns) says nothing about L: "−100 %" would read as a fault. At or above one message an
 * always-empty queue is a finding, which the run's warnings explain.
 */
export const EMPTY_SAMPLES_MIN_LAMBDA_W = 1

export function littlesLaw(meanInSystem: number, lambdaPerSecond: number, meanTimeInSystemMs: number): LittlesLaw {
  const lambdaW = lambdaPerSecond * (meanTimeInSystemMs / 1000)
  return {
    L: meanInSystem,
    lambdaPerSecond,
    wMs: meanTimeInSystemMs,
    lambdaW,
    relativeError: comparable(meanInSystem, lambdaW) ? (meanInSystem - lambdaW) / lambdaW : null,
  }
}

function comparable(meanInSystem: number, lambdaW: number): boolean {
  if (lambdaW < MIN_COMPARABLE_LAMBDA_W) return false
  return meanInSystem > 0 || lambdaW >= EMPTY_SAMPLES_MIN_LAMBDA_W
}

/** W = L / λ, for when the time in system cannot be measured directly. Milliseconds. */
export function meanTimeInSystemMs(meanInSystem: number, lambdaPerSecond: number): number {
  return lambdaPerSecond > 0 ? (meanInSystem / lambdaPerSecond) * 1000 : 0
}

/**
 * W for a bench run: the mean time a message is counted in the sampled queue length. The broker
 * counts it from when it takes it (its confirm) until the ack is settled, so W = mean(send→ack) −
 * mean(send→confirm) + mean(ack→settled): the time before the broker has the message (a
 * producer's batching, a full socket) is in no queue the sampler sees. On Kafka an ack settles
 * when the commit after it lands, and the group's lag (the queue length there) counts the message
 * until then. (The runs that showed both: docs/performance.md.)
 */
export function timeInQueueMs(sendToAckMs: number, sendToConfirmMs: number, ackToSettledMs = 0): number {
  return sendToAckMs > 0 ? Math.max(0, sendToAckMs - sendToConfirmMs) + ackToSettledMs : 0
}
