// The capacity sections of a result document (`bench --find-max`, `--sweep`): added beside the
// bench result of the step that best describes the answer, so report, --html and --assert read
// it like any run.
import type {AssertionOutcome} from './document.js'

export interface CapacitySection {
  status: SearchStatus
  /** Highest sustainable rate found, msg/s; null when none passed. */
  maxRate: number | null
  limitedBy: LimitedBy | null
  limitReasons: string[]
  /** Lowest rate that failed above maxRate. */
  failingRate: number | null
  /** What to do about it (e.g. --workers when the generator was the limit); null when nothing. */
  suggestion: string | null
  contradictions: Contradiction[]
  /** The pass criteria the steps were judged by. */
  criteria: {minPublishedShare: number; minConsumedShare: number; maxBacklogGrowthShare: number; slo: string[]}
  settings: {startRatePerSecond: number; maxRatePerSecond: number | null; precision: number; stepMs: number; settleMs: number}
  /** Wall time of the whole search (and sweep), ms. */
  elapsedMs: number
  steps: StepRecord[]
}

export interface CapacityDocumentParts {
  capacity?: CapacitySection
  /** Latency against rate, ascending (`--sweep`). */
  curve?: CurvePoint[]
  knee?: Knee | null
}

export type StepPhase = 'bracket' | 'bisect' | 'confirm' | 'sweep'

/** `broker`: the broker or its consumers could not keep up; `generator`: mqkit's own process was saturated. */
export type LimitedBy = 'broker' | 'generator'

export interface StepRecord {
  /** 1-based, in the order the steps ran. */
  index: number
  phase: StepPhase
  targetPerSecond: number
  /** Published (confirmed) msg/s over the measured window. */
  achievedPerSecond: number
  consumedPerSecond: number
  published: number
  consumed: number
  /** Least-squares slope of the queue length over the measured window, msg/s; null when too few samples. */
  backlogSlopePerSecond: number | null
  /** Corrected end-to-end latency (intended send → receipt), ms; null with no consumers. */
  latency: {p50Ms: number; p99Ms: number; p999Ms: number} | null
  /** Mean consumer handling time, ms (0 without --work). */
  handlingMeanMs: number
  slo: AssertionOutcome[]
  /** The load generator's own state during the step. */
  generator: {
    /** CPU less the consumers' simulated work and the schedulers' spin to exact deadlines (work.ts); the
     *  open-loop scheduler spins, so the raw figure reads near a full core at any rate. Evidence only. */
    cpuPercent: number
    eventLoopDelayP99Ms: number
    scheduleLagP99Ms: number | null
    /** Mean unconfirmed publishes at the ticks of the measured window, over all producers. */
    meanOutstanding: number
  }
  passed: boolean
  /** Why it failed, one phrase per failed criterion (empty when passed). */
  reasons: string[]
  /** For a failed step: what limited it. */
  limitedBy: LimitedBy | null
  measuredMs: number
}

/**
 * found: confirmed. ceiling: --max-rate passed (the broker may do more). no-passing-rate: even the
 * lowest rate failed. unconfirmed: the answer failed when held again. inconsistent: a rate failed
 * below one that passed. interrupted, step-limit: the search stopped early.
 */
export type SearchStatus = 'found' | 'ceiling' | 'no-passing-rate' | 'unconfirmed' | 'inconsistent' | 'interrupted' | 'step-limit'

/** A rate that failed at or below one that passed: reported, never averaged away. */
export interface Contradiction {
  passedStep: number
  passedPerSecond: number
  failedStep: number
  failedPerSecond: number
}

export interface CurvePoint extends StepRecord {
  share: number | null
  /** True on the first point past the knee. */
  knee: boolean
}

export interface Knee {
  perSecond: number
  reason: string
  /** p99 at the lowest swept rate, the reference the knee is judged against. */
  baseP99Ms: number | null
}
