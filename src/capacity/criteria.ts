// When a capacity step passes, and how its failure is attributed: every threshold of the search,
// defined once. Documented in README ("Capacity planning").

/** A step passes only if it published at least this share of the target rate. @default 0.95 */
export const MIN_PUBLISHED_SHARE = 0.95
/** …and its consumers received at least this share of what was published. @default 0.95 */
export const MIN_CONSUMED_SHARE = 0.95
/**
 * …and the backlog did not grow faster than this share of the target rate per second. A queue
 * whose consumers fall 1 % short grows by 1 % of the rate every second; within a share this
 * small the search errs low rather than call a slowly filling queue sustainable. @default 0.01
 */
export const MAX_BACKLOG_GROWTH_SHARE = 0.01
/**
 * Growth over a whole step below this many messages is noise, not a trend: the series counts
 * deliveries in flight (up to consumers × prefetch, and RabbitMQ's management API refreshes that
 * part only every 5 s). The floor is the larger of this and consumers × prefetch. @default 5
 */
export const BACKLOG_FLOOR_MESSAGES = 5
/**
 * A step that published short is the generator's limit when the producers' confirm windows were
 * on average less than this full: the broker was not holding sends back, mqkit could not make
 * them. (A broker that cannot keep up fills the windows first.) @default 0.5
 */
export const BROKER_BACKPRESSURE_WINDOW_SHARE = 0.5
/** The generator is also the limit when its event loop ran this late (p99 beyond the monitor's
 *  resolution, ms): its sends, receipts and clock readings were delayed. @default 10 */
export const GENERATOR_LOOP_DELAY_MS = 10
/** Shown as evidence (not decisive: the open-loop scheduler spins to exact send times, see step.ts):
 *  CPU beyond simulated work and deadline spins at or above this share of one core. @default 90 */
export const GENERATOR_CPU_PERCENT = 90

/** Search defaults (flags override them). */
export const SEARCH_DEFAULTS = {
  /** @default 1000 msg/s: the first rate tried; the search doubles or halves from there. */
  startRatePerSecond: 1000,
  /** @default 0.05: bisection stops when the failing rate is within 5 % above the passing one. */
  precision: 0.05,
  /** @default 5000 ms held per step after the settle period. */
  stepMs: 5000,
  /** @default 2000 ms at the step's rate before measuring (connections warm, a Kafka group joined, queues at their level). */
  settleMs: 2000,
  /** @default 30: a search never runs more steps than this. */
  maxSteps: 30,
  /** @default 1 msg/s: halving below this ends the search with no passing rate. */
  minRatePerSecond: 1,
} as const

/**
 * The knee of a latency-vs-rate curve: the first rate whose corrected end-to-end p99 is more than
 * KNEE_P99_FACTOR times the p99 at the lowest swept rate, and at least KNEE_MIN_RISE_MS above it
 * (so sub-millisecond jitter on an idle broker is no knee), or whose backlog grows. @default 2
 */
export const KNEE_P99_FACTOR = 2
/** @default 1 ms */
export const KNEE_MIN_RISE_MS = 1
