// The availability section of a result document (bench --recover, --fault-cmd): what the run saw
// of a broker failure, from its own evidence. Times are milliseconds on the run clock (0 = the
// start of production, as the intervals' elapsedMs).
import type {LatencySummary} from '../metrics/histogram.js'

/** Something that happened to the run's connections or was done to the broker. */
export type RunEvent =
  | {kind: 'connection-lost'; atMs: number; role: ConnectionRole; index: number; message: string}
  /** redeclared: the run's queues that were gone on the new connection and were created again (not durable: what they held is lost). */
  | {kind: 'reconnected'; atMs: number; role: ConnectionRole; index: number; attempts: number; redeclared?: string[]}
  | {kind: 'gave-up'; atMs: number; role: ConnectionRole; index: number; message: string}
  | {kind: 'fault-started'; atMs: number; command: string}
  | {kind: 'fault-ended'; atMs: number; command: string; exitCode: number | null; signal: string | null}

export type ConnectionRole = 'producer' | 'consumer' | 'admin'

/** A silence: the last event before it and the first after it (run clock, ms). */
export interface Gap {
  fromMs: number
  toMs: number
}

/** One window of unavailability: overlapping confirm and delivery silences, merged. */
export interface OutageWindow {
  /** The earliest of the last confirm / last delivery before the silence. */
  fromMs: number
  /** The latest of the first confirm / first delivery after it; the end of the run when not recovered. */
  toMs: number
  durationMs: number
  /** False when the run ended inside the window: a side that went silent in it (confirms with
   *  messages unconfirmed, or deliveries with more expected) never came back. */
  recovered: boolean
  /** Publishing's silence inside this window (the longest, when several), null when confirms kept coming. */
  publish: {lastConfirmBeforeMs: number; firstConfirmAfterMs: number | null} | null
  /** Consuming's silence inside this window (the longest, when several), null when deliveries kept coming. */
  consume: {lastDeliveryBeforeMs: number; firstDeliveryAfterMs: number | null} | null
  /** Events from 1 s before fromMs (EVENT_LEAD_MS: a fault command starts before the last confirm)
   *  to toMs: connection losses, reconnects, fault commands. Each event is in one window at most. */
  events: RunEvent[]
}

export interface AvailabilityFigures {
  /** A silence shorter than this is not a window (ms): minGapMsFor(options). */
  minGapMs: number
  windows: OutageWindow[]
  /** The longest window, ms (0 when there was none): what `--assert 'unavailable<15s'` reads. */
  unavailableMs: number
  /** All windows together, ms. */
  totalUnavailableMs: number
  /** End-to-end latency (corrected in open loop) of messages sent inside / outside the windows,
   *  judged by send-time bucket (bucketMs ms on the run clock: a bucket that overlaps a window is
   *  inside); inside / outside null when no message fell on that side; the whole field null when
   *  no latency was recorded by send time (no consumers). Percentiles within 1.6 %; count, mean,
   *  min and max exact. */
  latency: {bucketMs: number; kind: 'endToEnd' | 'endToEndCorrected'; inside: LatencySummary | null; outside: LatencySummary | null} | null
  /** Every event of the run, in time order. */
  events: RunEvent[]
}
