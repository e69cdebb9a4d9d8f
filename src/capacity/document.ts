// The capacity sections of a result document (`bench --find-max`, `--sweep`): added beside the
// bench result of the step that best describes the answer, so report, --html and --assert read
// it like any run.
import type {Contradiction, SearchStatus} from './search.js'
import type {LimitedBy, StepRecord} from './step.js'
import type {CurvePoint, Knee} from './sweep.js'

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
