// `mqkit plan`: how many consumers a message rate needs to meet a latency SLO. The model is a
// pooled queue: every handler of every consumer takes the next message from one shared queue, so
// c consumers that each handle k messages at once are an s = c·k server queue, M/M/s by Erlang C,
// corrected for non-exponential handling and non-Poisson arrivals by Allen–Cunneen (queueing.ts).
// A predicted latency is the wait plus the delivery time (send → receipt of a message that did not
// wait), both read as the SLO reads a run: from the intended send time (slo.ts). Figures come from
// a measurement, never from --work as configured: timer waits overshoot (work.ts).
import type {Assertion} from '../results/assert.js'
import type {WorkMode} from '../bench/options.js'
import {UsageError} from '../errors.js'
import type {LatencySummary} from '../metrics/histogram.js'
import {allenCunneenFactor, delayedWaitQuantile, type QueueModel, smallestServers, waitFigures, waitQuantile, type WeightedValue} from './queueing.js'
import {parseSlo} from './slo.js'

export const PLAN_DEFAULTS = {
  /** Arrival process assumed at --rate: production traffic from many independent clients is close
   *  to Poisson, and smoother traffic only waits less. @default 'poisson' */
  arrivals: 'poisson',
  /** Calibration load per handler: low enough that a message rarely waits (Erlang C < 10⁻⁵ with
   *  16 handlers), so handling and delivery times are measured without queueing. @default 0.2 */
  calibrationUtilisation: 0.2,
  /** Calibration uses at least this many handlers (sleep mode), for samples per second: 16 at 5 ms
   *  and utilisation 0.2 is 640 msg/s, ~3000 messages in 5 s, T̄ to ±3.6 % (2 standard errors of an
   *  exponential). @default 16 */
  calibrationHandlers: 16,
  /** Calibration rate cap, msg/s: the load generator's own cost must stay small. @default 2000 */
  calibrationMaxRatePerSecond: 2000,
  /** @default 5000 */
  calibrationMs: 5000,
  /** Length of each --verify run after its warmup. @default 10000 */
  verifyMs: 10_000,
  /** The search gives up past this many consumers. @default 10000 */
  maxConsumers: 10_000,
} as const

export type Arrivals = 'poisson' | 'uniform'

/** Squared coefficient of variation of inter-arrival times: 1 for Poisson, 0 for a fixed schedule. */
export const ARRIVAL_SCV: Record<Arrivals, number> = {poisson: 1, uniform: 0}

/** The statistics an SLO may bound, with their quantile (null: the mean). */
const SLO_QUANTILES: Record<string, number | null> = {mean: null, p50: 0.5, p75: 0.75, p90: 0.9, p95: 0.95, p99: 0.99, 'p99.9': 0.999, 'p99.99': 0.9999}
const LATENCY_HEADS = new Set(['e2e', 'endtoend', 'corrected', 'e2e-corrected'])

export interface PlanSlo {
  expression: string
  /** 'mean', 'p99', … */
  stat: string
  /** The quantile bounded (0.99), or null for the mean. */
  quantile: number | null
  operator: '<' | '<='
  thresholdMs: number
  assertion: Assertion
}

/** `--slo` in the --assert syntax, limited to what a queue model predicts: an upper bound on the
 *  mean or a percentile of end-to-end latency. */
export function parsePlanSlo(expression: string): PlanSlo {
  const assertion = parseSlo(expression)
  const dot = assertion.metric.indexOf('.')
  const bare = Object.hasOwn(SLO_QUANTILES, assertion.metric)
  const stat = bare ? assertion.metric : assertion.metric.slice(dot + 1)
  if (!bare && (dot === -1 || !LATENCY_HEADS.has(assertion.metric.slice(0, dot)) || !Object.hasOwn(SLO_QUANTILES, stat))) {
    throw new UsageError(`--slo must bound end-to-end latency's mean or a percentile (e.g. e2e.p99<=50ms, e2e.mean<20ms, p99<50ms), got "${expression}"`)
  }
  if (assertion.operator !== '<' && assertion.operator !== '<=') {
    throw new UsageError(`--slo must be an upper bound (< or <=), got "${expression}"`)
  }
  return {expression, stat, quantile: SLO_QUANTILES[stat], operator: assertion.operator, thresholdMs: assertion.threshold, assertion}
}

export function meets(slo: PlanSlo, valueMs: number): boolean {
  return slo.operator === '<' ? valueMs < slo.thresholdMs : valueMs <= slo.thresholdMs
}

export interface HandlingFigures {
  /** Where the figures were measured: a calibration run, or the result file named. */
  source: string
  count: number
  meanMs: number
  stdevMs: number
  /** cs² = (stdev / mean)². */
  scv: number
}

/** Latency from the intended send to receipt of a message that does not wait: added to every wait. */
export interface DeliveryFigures {
  meanMs: number
  /** Its distribution, from a run where almost no message waited; null when the run cannot tell
   *  delivery from waiting, and then delivery counts as always `meanMs`. */
  distribution: LatencySummary | null
}

export interface PlanInputs {
  ratePerSecond: number
  arrivals: Arrivals
  handling: HandlingFigures
  workMode: WorkMode
  prefetch: number
  delivery: DeliveryFigures
  slo: PlanSlo
}

/** Quantile knots of a latency summary, each segment between two split into equal-probability points. */
const KNOTS: ReadonlyArray<[number, keyof LatencySummary]> = [
  [0, 'min'],
  [0.5, 'p50'],
  [0.75, 'p75'],
  [0.9, 'p90'],
  [0.95, 'p95'],
  [0.99, 'p99'],
  [0.999, 'p99_9'],
  [0.9999, 'p99_99'],
  [1, 'max'],
]
const POINTS_PER_SEGMENT = 8

/** Delivery as a discrete distribution: the summary's quantile function, linear between knots. */
export function deliveryPoints(delivery: DeliveryFigures): WeightedValue[] {
  const d = delivery.distribution
  if (d === null || d.count === 0) return [{value: delivery.meanMs, probability: 1}]
  const points: WeightedValue[] = []
  for (let k = 0; k + 1 < KNOTS.length; k++) {
    const [q0, key0] = KNOTS[k]
    const [q1, key1] = KNOTS[k + 1]
    for (let i = 0; i < POINTS_PER_SEGMENT; i++) {
      const at = (i + 0.5) / POINTS_PER_SEGMENT
      points.push({value: d[key0] + at * (d[key1] - d[key0]), probability: (q1 - q0) / POINTS_PER_SEGMENT})
    }
  }
  return points
}

/** The SLO's statistic of delivery alone: what no number of consumers can go below. */
function deliveryStatistic(inputs: Pick<PlanInputs, 'delivery' | 'slo'>): number {
  const {delivery, slo} = inputs
  if (slo.quantile === null || delivery.distribution === null) return delivery.meanMs
  // A queue with no arrivals never waits: the quantile of delivery alone.
  return delayedWaitQuantile(deliveryPoints(delivery), {servers: 1, arrivalRate: 0, meanHandling: 1}, slo.quantile)
}

/** Messages one consumer handles at once: sleep-mode handlers overlap up to the prefetch (IO-bound);
 *  a spin-mode (CPU-bound) consumer handles one at a time whatever its prefetch. */
export function handlersPerConsumer(workMode: WorkMode, prefetch: number): number {
  return workMode === 'spin' ? 1 : prefetch
}

export interface Prediction {
  consumers: number
  /** consumers × handlers per consumer. */
  servers: number
  utilisation: number
  probabilityOfWaiting: number
  /** Mean wait for a handler; null when utilisation ≥ 1 (the queue grows without bound). */
  meanWaitMs: number | null
  /** The wait at `percentile` (the SLO's, or p99 for a mean SLO); null when unbounded. */
  percentileWaitMs: number | null
  percentile: string
  /** The SLO's statistic of latency from the intended send, delivery + wait (delivery and wait
   *  independent); null when unbounded. */
  sloValueMs: number | null
  meetsSlo: boolean
}

export function predict(inputs: PlanInputs, consumers: number): Prediction {
  const servers = consumers * handlersPerConsumer(inputs.workMode, inputs.prefetch)
  const model: QueueModel = {
    servers,
    arrivalRate: inputs.ratePerSecond / 1000,
    meanHandling: inputs.handling.meanMs,
    variabilityFactor: allenCunneenFactor(ARRIVAL_SCV[inputs.arrivals], inputs.handling.scv),
  }
  const figures = waitFigures(model)
  const quantile = inputs.slo.quantile ?? 0.99
  const bounded = Number.isFinite(figures.meanWait)
  const percentileWaitMs = bounded ? waitQuantile(model, quantile) : null
  let sloValueMs: number | null = null
  if (bounded) {
    sloValueMs =
      inputs.slo.quantile === null
        ? inputs.delivery.meanMs + figures.meanWait
        : delayedWaitQuantile(deliveryPoints(inputs.delivery), model, inputs.slo.quantile)
  }
  return {
    consumers,
    servers,
    utilisation: figures.utilisation,
    probabilityOfWaiting: figures.probabilityOfWaiting,
    meanWaitMs: bounded ? figures.meanWait : null,
    percentileWaitMs,
    percentile: inputs.slo.quantile === null ? 'p99' : inputs.slo.stat,
    sloValueMs,
    meetsSlo: sloValueMs !== null && meets(inputs.slo, sloValueMs),
  }
}

export interface VerifyRun {
  consumers: number
  predicted: Prediction
  measured: {
    messages: number
    ratePerSecond: number
    handlingMeanMs: number
    utilisation: number
    /** Mean latency from the intended send, and the SLO's statistic of it (as the SLO reads the run). */
    meanMs: number
    sloValueMs: number
    meetsSlo: boolean
  }
}

export interface PlanFacts {
  plan: {
    consumers: number
    servers: number
    utilisation: number
    predicted: Prediction
    /** The counts planned with T̄ two standard errors (stdev/√count) lower and higher: how far
     *  the answer rests on the handling-time sample. */
    consumersRange: {low: number; high: number}
    /** With --verify: bench at the rate with consumers − 1 (when ≥ 1) and consumers. */
    measured?: VerifyRun[]
  }
  slo: {expression: string; stat: string; operator: string; thresholdMs: number}
  inputs: Omit<PlanInputs, 'slo'> & {handlersPerConsumer: number; arrivalScv: number; correction: number}
  /** Predictions for consumers − 1, consumers and consumers + 1. */
  neighbours: Prediction[]
  /** Caveats about the figures used (also printed on stderr). */
  notes: string[]
}

/** The smallest consumer count whose predicted latency meets the SLO. */
export function planConsumers(inputs: PlanInputs, notes: string[] = [], maxConsumers: number = PLAN_DEFAULTS.maxConsumers): PlanFacts {
  const slo = inputs.slo
  const floorMs = deliveryStatistic(inputs)
  if (!meets(slo, floorMs)) {
    throw new UsageError(
      `--slo "${slo.expression}" cannot be met by adding consumers: delivery alone (send → receipt without waiting) has ${slo.stat} ${floorMs.toFixed(3)} ms`,
    )
  }
  const planNotes = [...notes]
  const perConsumer = handlersPerConsumer(inputs.workMode, inputs.prefetch)
  const consumers = smallestConsumers(inputs, maxConsumers)
  const h = inputs.handling
  const twoStandardErrorsMs = (2 * h.stdevMs) / Math.sqrt(h.count)
  const withMean = (meanMs: number) => smallestConsumers({...inputs, handling: {...h, meanMs, scv: (h.stdevMs / meanMs) ** 2}}, maxConsumers)
  const consumersRange = {low: withMean(Math.max(h.meanMs - twoStandardErrorsMs, h.meanMs / 2)), high: withMean(h.meanMs + twoStandardErrorsMs)}
  if (consumersRange.low !== consumersRange.high) {
    planNotes.push(
      `T̄ is known to ±${twoStandardErrorsMs.toFixed(3)} ms (2 standard errors over ${h.count} messages), which spans ${consumersRange.low}–${consumersRange.high} consumers; more messages (a longer --calibration) narrow it`,
    )
  }
  const predicted = predict(inputs, consumers)
  const neighbours = [consumers - 1, consumers, consumers + 1].filter((c) => c >= 1).map((c) => predict(inputs, c))
  const correction = allenCunneenFactor(ARRIVAL_SCV[inputs.arrivals], inputs.handling.scv)
  const {slo: _slo, ...rest} = inputs
  return {
    plan: {consumers, servers: predicted.servers, utilisation: predicted.utilisation, predicted, consumersRange},
    slo: {expression: slo.expression, stat: slo.stat, operator: slo.operator, thresholdMs: slo.thresholdMs},
    inputs: {...rest, handlersPerConsumer: perConsumer, arrivalScv: ARRIVAL_SCV[inputs.arrivals], correction},
    neighbours,
    notes: planNotes,
  }
}

function smallestConsumers(inputs: PlanInputs, maxConsumers: number): number {
  const offeredLoad = (inputs.ratePerSecond / 1000) * inputs.handling.meanMs
  const fewestStable = Math.floor(offeredLoad / handlersPerConsumer(inputs.workMode, inputs.prefetch)) + 1
  const consumers = smallestServers((c) => predict(inputs, c).meetsSlo, fewestStable, Math.max(fewestStable, maxConsumers))
  if (consumers === undefined) throw new UsageError(`--slo "${inputs.slo.expression}" is not met by any count up to ${maxConsumers} consumers`)
  return consumers
}

/** The workload a plan's consumers run: from the flags (calibration) or a result's workload. */
