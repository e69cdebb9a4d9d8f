// One capacity step: a bench run held at one open-loop rate, reduced to the figures the search
// decides on, with its verdict and, when it failed, which side limited it.
import type {Assertion} from '../results/assert.js'
import type {BenchResult} from '../results/document.js'
import {
  BACKLOG_FLOOR_MESSAGES,
  BROKER_BACKPRESSURE_WINDOW_SHARE,
  GENERATOR_CPU_PERCENT,
  GENERATOR_LOOP_DELAY_MS,
  MAX_BACKLOG_GROWTH_SHARE,
  MIN_CONSUMED_SHARE,
  MIN_PUBLISHED_SHARE,
} from './criteria.js'
import {evaluateSlos} from './slo.js'
import {backlogSlopePerSecond} from './slope.js'
import type {StepPhase, StepRecord} from '../results/capacity.js'

function meanOutstanding(result: BenchResult): number {
  const measured = result.intervals.filter((i) => !i.warmup)
  return measured.length === 0 ? 0 : measured.reduce((sum, i) => sum + i.outstanding, 0) / measured.length
}

/** Share of wall time (%) spin-mode handlers busy-waited in this process: the simulated consumers' own CPU. */
function spinHandlingPercent(result: BenchResult, windowMs: number): number {
  if (result.workload.workMode !== 'spin' || result.handling.count === 0 || windowMs <= 0) return 0
  return ((result.handling.mean * result.handling.count) / windowMs) * 100
}

/**
 * The generator's CPU share, less what the simulated consumers spend in this process: the busy
 * wait of --work-mode spin (CPU-bound handling) and the final yield-spin of sleep-mode waits
 * (work.ts). Both are the consumers' work or waiting, not the generator's.
 */
function generatorCpuPercent(result: BenchResult): number {
  return Math.max(0, result.health.cpuPercent - (result.health.precisionWaitPercent ?? 0) - spinHandlingPercent(result, result.meta.elapsedMs))
}

/**
 * Spin-mode handlers that keep the process's one event loop busy most of the time are a
 * saturated consumer (a single server), and the loop delay they cause is theirs.
 */
const SPIN_CONSUMER_SATURATED_PERCENT = 80

export function judgeStep(result: BenchResult, targetPerSecond: number, phase: StepPhase, index: number, slos: Assertion[]): StepRecord {
  const w = result.workload
  const published = result.throughput.published
  const consumed = result.throughput.consumed
  const fromMs = w.warmupMs
  const toMs = w.warmupMs + result.meta.measuredMs
  const slope = backlogSlopePerSecond(result.queueLength.series, fromMs, toMs)
  const corrected = result.latency.endToEndCorrected
  const slo = evaluateSlos(slos, result)
  const generator = {
    cpuPercent: generatorCpuPercent(result),
    eventLoopDelayP99Ms: result.health.eventLoopDelay.p99Ms,
    scheduleLagP99Ms: result.health.scheduleLagP99Ms,
    meanOutstanding: meanOutstanding(result),
  }

  const publishShort = published.perSecond < MIN_PUBLISHED_SHARE * targetPerSecond
  const reasons: string[] = []
  if (publishShort) {
    reasons.push(`published ${pct(published.perSecond / targetPerSecond)} of the target`)
  }
  if (w.consumers > 0) {
    if (consumed.count < MIN_CONSUMED_SHARE * published.count)
      reasons.push(`consumed ${pct(published.count > 0 ? consumed.count / published.count : 0)} of published`)
    const seconds = result.meta.measuredMs / 1000
    const floor = Math.max(BACKLOG_FLOOR_MESSAGES, w.consumers * w.prefetch)
    if (slope !== null && slope > MAX_BACKLOG_GROWTH_SHARE * targetPerSecond && slope * seconds > floor) {
      reasons.push(`backlog grew ${slope.toFixed(slope < 10 ? 1 : 0)} msg/s`)
    }
  }
  for (const outcome of slo)
    if (!outcome.passed) reasons.push(`SLO ${outcome.expression} missed (${Number.isFinite(outcome.actual) ? outcome.actual.toFixed(2) : 'no data'})`)
  if (result.meta.interrupted) reasons.push('interrupted')
  const passed = reasons.length === 0
  // The generator could not send on schedule although the broker was not holding it back (the
  // confirm window mostly free), or its event loop ran late: either way the figures are mqkit's.
  // Over the measured window: handling.count counts only the handlings after the settle period.
  const consumersHoldTheLoop = spinHandlingPercent(result, result.meta.measuredMs) >= SPIN_CONSUMER_SATURATED_PERCENT
  const couldNotSend = publishShort && generator.meanOutstanding < BROKER_BACKPRESSURE_WINDOW_SHARE * w.producers * w.confirmWindow
  const saturated = !consumersHoldTheLoop && (couldNotSend || generator.eventLoopDelayP99Ms >= GENERATOR_LOOP_DELAY_MS)
  return {
    index,
    phase,
    targetPerSecond,
    achievedPerSecond: published.perSecond,
    consumedPerSecond: consumed.perSecond,
    published: published.count,
    consumed: consumed.count,
    backlogSlopePerSecond: slope,
    latency: corrected && corrected.count > 0 ? {p50Ms: corrected.p50, p99Ms: corrected.p99, p999Ms: corrected.p99_9} : null,
    handlingMeanMs: result.handling.count > 0 ? result.handling.mean : 0,
    slo,
    generator,
    passed,
    reasons,
    // A saturated generator makes every other figure suspect, so it wins the attribution: a
    // limit of mqkit is never reported as the broker's.
    limitedBy: passed ? null : saturated ? 'generator' : 'broker',
    measuredMs: result.meta.measuredMs,
  }
}

/** Why a generator-limited step is attributed to mqkit, in words. */
export function generatorEvidence(step: StepRecord, producers: number, confirmWindow: number): string {
  const parts: string[] = []
  if (
    step.achievedPerSecond < MIN_PUBLISHED_SHARE * step.targetPerSecond &&
    step.generator.meanOutstanding < BROKER_BACKPRESSURE_WINDOW_SHARE * producers * confirmWindow
  ) {
    parts.push(
      `mqkit could not send faster although the broker was not holding it back (${step.generator.meanOutstanding.toFixed(0)} of ${producers * confirmWindow} confirms outstanding on average)`,
    )
  }
  if (step.generator.cpuPercent >= GENERATOR_CPU_PERCENT) parts.push(`mqkit used ${step.generator.cpuPercent.toFixed(0)} % of a core`)
  if (step.generator.eventLoopDelayP99Ms >= GENERATOR_LOOP_DELAY_MS)
    parts.push(`its event loop was delayed ${step.generator.eventLoopDelayP99Ms.toFixed(1)} ms (p99)`)
  if (step.generator.scheduleLagP99Ms !== null && step.generator.scheduleLagP99Ms > 5)
    parts.push(`sends left ${step.generator.scheduleLagP99Ms.toFixed(1)} ms late (p99)`)
  return parts.join(', ')
}

function pct(share: number): string {
  return `${(share * 100).toFixed(share < 0.995 ? 1 : 0)} %`
}
