// What the coordinator (workers.ts) and a worker thread (worker-main.ts) say to each other: the
// set-up a worker starts with and the messages both ways. Structured clone carries no classes, so
// a worker's typed error travels as its name, own words, exit code and context fields
// (errorToWire, errorFromWire).
import type {ErrorOnTheWire} from '../../errors.js'
import type {BenchResult} from '../../results/document.js'
import type {IntegritySnapshot} from '../integrity.js'
import type {IntervalStats} from '../measurements.js'
import type {BenchOptions} from '../options.js'

export interface WorkerSetup {
  options: BenchOptions
  url: string
  clientName: string
  mqkitVersion: string
  connectTimeoutMs?: number
  /** Global index of this worker's first producer / consumer (ids and queue assignment). */
  producerBase: number
  consumerBase: number
}

export type ToWorker = {type: 'drained'} | {type: 'stop'}

export type FromWorker =
  | {type: 'produced'}
  | {type: 'tick'; stats: IntervalStats}
  | {type: 'result'; result: BenchResult; integrity: IntegritySnapshot}
  | ({type: 'error'} & ErrorOnTheWire)
