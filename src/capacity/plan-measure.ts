// The measuring side of `mqkit plan`: the bench runs it makes (calibration at low load, --verify
// at the planned rate) and the figures it reads from a run or a saved result.
import {type BenchOptions, defaultBenchOptions, type WorkSpec} from '../bench/options.js'
import type {BenchResult} from '../results/document.js'
import {UsageError} from '../errors.js'
import {
  ARRIVAL_SCV,
  handlersPerConsumer,
  PLAN_DEFAULTS,
  predict,
  type Arrivals,
  type DeliveryFigures,
  type HandlingFigures,
  type PlanInputs,
  type VerifyRun,
} from './plan.js'
import {allenCunneenFactor, waitFigures} from './queueing.js'
import {evaluateSlos, sloView} from './slo.js'

export type PlanWorkload = Pick<BenchOptions, 'work' | 'workMode' | 'prefetch' | 'sizeBytes' | 'maxSizeBytes'>

function nominalMeanMs(work: WorkSpec): number {
  switch (work.kind) {
    case 'none':
      return 0
    case 'fixed':
      return work.ms
    case 'uniform':
      return (work.minMs + work.maxMs) / 2
    case 'exponential':
      return work.meanMs
  }
}

export const NO_HANDLING_DATA = 'no handling-time data: give --work (e.g. --work exp:5ms) to calibrate, or a result file of a bench run with --work'

/** A short open-loop run at low load that measures handling and delivery times. */
export function calibrationOptions(workload: PlanWorkload, durationMs: number = PLAN_DEFAULTS.calibrationMs): BenchOptions {
  const meanMs = nominalMeanMs(workload.work)
  if (meanMs <= 0) throw new UsageError(NO_HANDLING_DATA)
  const perConsumer = handlersPerConsumer(workload.workMode, workload.prefetch)
  // Spin mode: the consumers of one process share its event loop, one server however many.
  const consumers = workload.workMode === 'spin' ? 1 : Math.ceil(PLAN_DEFAULTS.calibrationHandlers / perConsumer)
  const servers = workload.workMode === 'spin' ? 1 : consumers * perConsumer
  const perSecond = Math.min((PLAN_DEFAULTS.calibrationUtilisation * servers * 1000) / meanMs, PLAN_DEFAULTS.calibrationMaxRatePerSecond)
  return defaultBenchOptions({...workload, consumers, rate: [{perSecond}], arrivals: 'poisson', durationMs, warmupMs: Math.min(500, durationMs / 5)})
}

/** Bench at the planned rate with `consumers` consumers, as --verify runs it. */
export function verifyOptions(
  workload: PlanWorkload,
  consumers: number,
  ratePerSecond: number,
  arrivals: Arrivals,
  durationMs: number = PLAN_DEFAULTS.verifyMs,
): BenchOptions {
  return defaultBenchOptions({...workload, consumers, rate: [{perSecond: ratePerSecond}], arrivals, durationMs, warmupMs: Math.min(1000, durationMs / 5)})
}

/** Handlers a saved run had at once: spin-mode consumers share their thread's one event loop. */
function serversOfRun(workload: BenchResult['workload']): number {
  return workload.workMode === 'spin' ? Math.min(workload.consumers, workload.workers ?? 1) : workload.consumers * workload.prefetch
}

export interface MeasuredFigures {
  handling: HandlingFigures
  delivery: DeliveryFigures
  workload: PlanWorkload
  notes: string[]
}

/** A run where at most this share of messages waited gives delivery's distribution up to ~p99. */
const MAX_WAITING_SHARE_FOR_DISTRIBUTION = 0.01

/**
 * Handling and delivery times from a bench result (a calibration run or a saved file). Delivery's
 * mean is the mean latency from the intended send less the model's mean wait at the run's own
 * load (nearly nothing at a calibration's low load); its distribution is the run's latency where
 * almost no message waited. A closed-loop run's latency is mostly its own backlog, so there
 * delivery is taken as 0.
 */
export function measuredFigures(result: BenchResult, source: string): MeasuredFigures {
  const h = result.handling
  if (h.count === 0 || result.workload.work.kind === 'none') {
    throw new UsageError(
      `${source}: ${h.count === 0 ? 'no handling-time data (no message was handled)' : 'no handling-time data (the run had no --work)'}; ${NO_HANDLING_DATA}`,
    )
  }
  const handling: HandlingFigures = {source, count: h.count, meanMs: h.mean, stdevMs: h.stdev, scv: (h.stdev / h.mean) ** 2}
  const notes: string[] = []
  const w = result.workload
  const workload: PlanWorkload = {work: w.work, workMode: w.workMode, prefetch: w.prefetch, sizeBytes: w.sizeBytes, maxSizeBytes: w.maxSizeBytes}
  const latency = sloView(result).latency.endToEnd
  const delivery: DeliveryFigures = {meanMs: 0, distribution: null}
  if (w.mode !== 'open-loop' || latency.count === 0) {
    notes.push(`${source} is a closed-loop run: its latency is mostly its own backlog, so delivery time is taken as 0 and predicted latencies are waits alone`)
  } else {
    const arrivals: Arrivals = w.arrivals
    const run = waitFigures({
      servers: serversOfRun(w),
      arrivalRate: result.throughput.consumed.perSecond / 1000,
      meanHandling: h.mean,
      variabilityFactor: allenCunneenFactor(ARRIVAL_SCV[arrivals], handling.scv),
    })
    if (run.utilisation >= 1) notes.push(`${source} ran at utilisation ${run.utilisation.toFixed(2)} (overloaded): delivery time is taken as 0`)
    else {
      delivery.meanMs = Math.max(0, latency.mean - run.meanWait)
      if (run.probabilityOfWaiting <= MAX_WAITING_SHARE_FOR_DISTRIBUTION) delivery.distribution = latency
      else notes.push(`${run.probabilityOfWaiting.toFixed(2)} of the messages of ${source} waited: delivery time is taken as always its mean`)
      if (run.utilisation > 0.5)
        notes.push(`${source} ran at utilisation ${run.utilisation.toFixed(2)}: its handling and delivery times may include contention (plan measures at 0.2)`)
    }
  }
  if (w.workMode === 'spin' && w.prefetch > 1) {
    notes.push(
      `spin mode with prefetch ${w.prefetch}: a busy consumer's prefetched messages wait in its own buffer, not the shared queue, so the pooled model is optimistic (use --prefetch 1)`,
    )
  }
  return {handling, delivery, workload, notes}
}

/** A --verify run's figures beside the prediction for the same consumer count. */
export function verifyRun(result: BenchResult, inputs: PlanInputs, consumers: number): VerifyRun {
  const view = sloView(result)
  const ratePerSecond = result.throughput.consumed.perSecond
  const servers = consumers * handlersPerConsumer(inputs.workMode, inputs.prefetch)
  const [outcome] = evaluateSlos([inputs.slo.assertion], result)
  return {
    consumers,
    predicted: predict(inputs, consumers),
    measured: {
      messages: result.throughput.consumed.count,
      ratePerSecond,
      handlingMeanMs: result.handling.mean,
      utilisation: ((ratePerSecond / 1000) * result.handling.mean) / servers,
      meanMs: view.latency.endToEnd.mean,
      sloValueMs: outcome.actual,
      meetsSlo: outcome.passed,
    },
  }
}
