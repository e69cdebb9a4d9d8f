// Runs a capacity search and/or sweep: one fresh bench run per step (own queues, connections and
// consumer group, so no step inherits another's backlog), judged by step.ts, steered by
// search.ts. Emits `step-start`, `tick` (the step's IntervalStats) and `step` (StepRecord); never
// prints.
import {EventEmitter} from 'node:events'
import type {Assertion} from '../results/assert.js'
import type {BenchOptions} from '../bench/options.js'
import type {BenchResult} from '../results/document.js'
import {BenchRunner, type BenchEnvironment} from '../bench/runner.js'
import {runWithWorkers} from '../bench/workers/workers.js'
import {MAX_BACKLOG_GROWTH_SHARE, MIN_CONSUMED_SHARE, MIN_PUBLISHED_SHARE} from './criteria.js'
import type {CapacityDocumentParts, CapacitySection} from '../results/capacity.js'
import {findContradictions, findMaxRate, type SearchOutcome, type SearchSettings} from './search.js'
import {judgeStep} from './step.js'
import {findKnee, resolveSweep, sweepNeedsMax, type SweepPoint} from './sweep.js'
import type {CurvePoint, StepPhase, StepRecord} from '../results/capacity.js'

export interface CapacityPlan {
  /** The workload of every step; rate, duration, warmup and count are set per step. */
  base: BenchOptions
  /** Run the search (implied by a sweep given in percentages). */
  findMax: boolean
  search: SearchSettings
  sweep?: SweepPoint[]
  stepMs: number
  settleMs: number
  slos: Assertion[]
}

export interface StepStart {
  index: number
  phase: StepPhase
  ratePerSecond: number
  stepMs: number
  settleMs: number
}

export type CapacityResult = BenchResult & CapacityDocumentParts

export class CapacityRunner extends EventEmitter {
  private index = 0
  private confirmed = false
  /** The bench result the document is built on: the confirmation step's, else the latest step's. */
  private anchor: BenchResult | undefined

  constructor(
    readonly plan: CapacityPlan,
    readonly env: BenchEnvironment,
  ) {
    super()
  }

  async run(signal?: AbortSignal): Promise<CapacityResult> {
    const startedMs = performance.now()
    const p = this.plan
    let outcome: SearchOutcome | undefined
    if (p.findMax || (p.sweep !== undefined && sweepNeedsMax(p.sweep))) {
      outcome = await findMaxRate(p.search, (rate, phase) => this.step(rate, phase, signal), p.base)
    }
    let curve: CurvePoint[] | undefined
    const interrupted = () => signal?.aborted === true || outcome?.status === 'interrupted'
    if (p.sweep !== undefined && !interrupted() && (outcome === undefined || outcome.maxRate !== null)) {
      curve = []
      for (const point of resolveSweep(p.sweep, outcome?.maxRate ?? null)) {
        const step = await this.step(point.perSecond, 'sweep', signal)
        curve.push({...step, share: point.share, knee: false})
        if (interrupted()) break
      }
    }
    const anchor = this.anchor
    if (!anchor) throw new Error('capacity run ended without a step')
    const document: CapacityResult = {...anchor}
    if (outcome) {
      // A sweep point that fails at or below the maximum contradicts the search: the capacity
      // moved during the run (a noisy host or broker). Said, and the answer is not confirmed.
      const contradictions = findContradictions([...outcome.steps, ...(curve ?? [])])
      const status =
        contradictions.length > outcome.contradictions.length && (outcome.status === 'found' || outcome.status === 'ceiling') ? 'inconsistent' : outcome.status
      document.capacity = this.section({...outcome, status, contradictions}, performance.now() - startedMs)
    }
    if (curve) {
      document.curve = curve
      document.knee = findKnee(curve)
    }
    if (signal?.aborted) document.meta = {...document.meta, interrupted: true}
    return document
  }

  private async step(ratePerSecond: number, phase: StepPhase, signal?: AbortSignal): Promise<StepRecord> {
    const p = this.plan
    const index = ++this.index
    // Only the confirmation step drains (so its integrity counts are final); every other step
    // ends with production: a step whose consumers fell behind would otherwise drain for long.
    const options: BenchOptions = {
      ...p.base,
      rate: [{perSecond: ratePerSecond}],
      durationMs: p.stepMs,
      warmupMs: p.settleMs,
      count: undefined,
      drainTimeoutMs: phase === 'confirm' ? p.base.drainTimeoutMs : 0,
    }
    this.emit('step-start', {index, phase, ratePerSecond, stepMs: p.stepMs, settleMs: p.settleMs} satisfies StepStart)
    const runner = new BenchRunner(options, this.env)
    runner.on('tick', (stats) => this.emit('tick', stats))
    const result = options.workers > 1 ? await runWithWorkers(options, this.env, signal, runner) : await runner.run(signal)
    const record = judgeStep(result, ratePerSecond, phase, index, p.slos)
    if (phase === 'confirm' || !this.confirmed) this.anchor = result
    if (phase === 'confirm') this.confirmed = true
    this.emit('step', record)
    return record
  }

  private section(outcome: SearchOutcome, elapsedMs: number): CapacitySection {
    const p = this.plan
    return {
      status: outcome.status,
      maxRate: outcome.maxRate,
      limitedBy: outcome.limitedBy,
      limitReasons: outcome.limitReasons,
      failingRate: outcome.failingRate,
      suggestion: suggestion(outcome, p.base, this.env.url),
      contradictions: outcome.contradictions,
      criteria: {
        minPublishedShare: MIN_PUBLISHED_SHARE,
        minConsumedShare: MIN_CONSUMED_SHARE,
        maxBacklogGrowthShare: MAX_BACKLOG_GROWTH_SHARE,
        slo: p.slos.map((s) => s.expression),
      },
      settings: {
        startRatePerSecond: p.search.startRatePerSecond,
        maxRatePerSecond: p.search.maxRatePerSecond ?? null,
        precision: p.search.precision,
        stepMs: p.stepMs,
        settleMs: p.settleMs,
      },
      elapsedMs,
      steps: outcome.steps,
    }
  }
}

function suggestion(outcome: SearchOutcome, base: BenchOptions, url: string): string | null {
  if (outcome.limitedBy !== 'generator') return null
  if (url.startsWith('memory:'))
    return "memory:// runs its broker inside mqkit's process, so this is the limit of that one process, broker and generator together"
  return `mqkit itself was the limit: run with --workers ${Math.min(Math.max(2, base.workers * 2), 64)} (more producers and consumers across threads) or from more hosts before reading this as the broker's capacity`
}
