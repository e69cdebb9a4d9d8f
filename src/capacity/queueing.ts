// Queueing formulas for `mqkit plan`: Erlang C (M/M/s) and the Allen–Cunneen approximation for
// G/G/s. Pure functions of the offered load; all times share the unit of the handling time given.
//
// Notation: s servers (handlers that run at once), λ arrival rate, T̄ mean handling time, offered
// load a = λT̄ (Erlangs), utilisation ρ = a/s. Every waiting time here is the time a message waits
// for a free server (Wq), not counting its own handling. A system with a ≥ s has no steady state:
// its queue grows without bound, and the functions return Infinity waits and a probability of 1.

/**
 * Erlang B blocking probability B(s, a) by the recurrence B(0) = 1, B(k) = a·B(k−1) / (k + a·B(k−1)):
 * every step stays in [0, 1], so it is stable for thousands of servers where aˢ/s! overflows.
 */
export function erlangB(servers: number, offeredLoad: number): number {
  assertServers(servers)
  if (offeredLoad < 0 || !Number.isFinite(offeredLoad)) throw new RangeError(`offered load must be a finite number ≥ 0, got ${offeredLoad}`)
  let blocking = 1
  for (let k = 1; k <= servers; k++) blocking = (offeredLoad * blocking) / (k + offeredLoad * blocking)
  return blocking
}

/** Erlang C: the probability that an arrival waits, C(s, a) = s·B / (s − a·(1 − B)); 1 when a ≥ s. */
export function erlangC(servers: number, offeredLoad: number): number {
  if (offeredLoad >= servers) return 1
  const blocking = erlangB(servers, offeredLoad)
  return (servers * blocking) / (servers - offeredLoad * (1 - blocking))
}

/**
 * The Allen–Cunneen factor (ca² + cs²)/2 that turns an M/M/s wait into a G/G/s one, where ca² and
 * cs² are the squared coefficients of variation (variance / mean²) of the inter-arrival and the
 * handling times. 1 for Poisson arrivals and exponential handling (exact); ½ for Poisson arrivals
 * and constant handling (exact for s = 1: the Pollaczek–Khinchine formula). An approximation
 * otherwise, best at high utilisation; see README "mqkit plan" for its limits.
 */
export function allenCunneenFactor(arrivalScv: number, handlingScv: number): number {
  if (!(arrivalScv >= 0) || !(handlingScv >= 0)) throw new RangeError(`squared coefficients of variation must be ≥ 0, got ${arrivalScv} and ${handlingScv}`)
  return (arrivalScv + handlingScv) / 2
}

export interface QueueModel {
  /** Servers: messages handled at once over all consumers. */
  servers: number
  /** λ, messages per unit of time (per ms when handling times are in ms). */
  arrivalRate: number
  /** T̄, mean handling time. */
  meanHandling: number
  /** Allen–Cunneen factor (allenCunneenFactor); 1 = M/M/s. @default 1 */
  variabilityFactor?: number
}

export interface WaitFigures {
  /** ρ = λT̄/s; ≥ 1 means the queue grows without bound. */
  utilisation: number
  /** P(a message waits at all): Erlang C. */
  probabilityOfWaiting: number
  /** Mean wait Wq, in the handling time's unit; Infinity when ρ ≥ 1. */
  meanWait: number
}

/** M/M/s: Wq = C(s, a)·T̄/(s − a), i.e. C/(sμ − λ); times the Allen–Cunneen factor for G/G/s. */
export function waitFigures(model: QueueModel): WaitFigures {
  const {servers, arrivalRate, meanHandling} = model
  const factor = model.variabilityFactor ?? 1
  if (!(arrivalRate >= 0) || !(meanHandling > 0))
    throw new RangeError(`arrival rate must be ≥ 0 and mean handling time > 0, got ${arrivalRate} and ${meanHandling}`)
  const offeredLoad = arrivalRate * meanHandling
  const utilisation = offeredLoad / servers
  if (offeredLoad >= servers) return {utilisation, probabilityOfWaiting: 1, meanWait: Number.POSITIVE_INFINITY}
  const probabilityOfWaiting = erlangC(servers, offeredLoad)
  return {utilisation, probabilityOfWaiting, meanWait: (factor * probabilityOfWaiting * meanHandling) / (servers - offeredLoad)}
}

/**
 * P(Wq > t). In M/M/s a message waits with probability C, and then for an exponential time with
 * mean T̄/(s − a): P(Wq > t) = C·e^{−(sμ−λ)t}. With the Allen–Cunneen factor k the probability of
 * waiting is kept and the conditional wait's mean is scaled by k, which keeps the mean at k·Wq.
 */
export function probabilityOfWaitingLonger(model: QueueModel, t: number): number {
  const figures = waitFigures(model)
  if (!Number.isFinite(figures.meanWait)) return 1
  if (t <= 0) return figures.probabilityOfWaiting
  const conditionalMean = conditionalMeanWait(model)
  return figures.probabilityOfWaiting * Math.exp(-t / conditionalMean)
}

/** The q-quantile of Wq (q in [0, 1), e.g. 0.99): 0 when fewer than 1 − q of messages wait. */
export function waitQuantile(model: QueueModel, quantile: number): number {
  if (!(quantile >= 0 && quantile < 1)) throw new RangeError(`quantile must be in [0, 1), got ${quantile}`)
  const figures = waitFigures(model)
  if (!Number.isFinite(figures.meanWait)) return Number.POSITIVE_INFINITY
  const exceed = 1 - quantile
  if (figures.probabilityOfWaiting <= exceed) return 0
  return conditionalMeanWait(model) * Math.log(figures.probabilityOfWaiting / exceed)
}

function conditionalMeanWait(model: QueueModel): number {
  const offeredLoad = model.arrivalRate * model.meanHandling
  return ((model.variabilityFactor ?? 1) * model.meanHandling) / (model.servers - offeredLoad)
}

/**
 * The smallest server count s ≥ minServers for which `meets(s)` holds, trying upward; undefined
 * when none up to maxServers does. `meets` must be monotone (once true, true for every larger s),
 * which every wait figure here is: more servers never wait longer.
 */
export function smallestServers(meets: (servers: number) => boolean, minServers: number, maxServers: number): number | undefined {
  assertServers(minServers)
  for (let s = minServers; s <= maxServers; s++) if (meets(s)) return s
  return undefined
}

function assertServers(servers: number): void {
  if (!Number.isSafeInteger(servers) || servers < 1) throw new RangeError(`servers must be a whole number ≥ 1, got ${servers}`)
}

/** One value of a discrete distribution. */
export interface WeightedValue {
  value: number
  probability: number
}

/**
 * The q-quantile of D + Wq, where D is a delay independent of the wait (e.g. delivery time) given
 * as a discrete distribution: the smallest t with P(D + Wq > t) ≤ 1 − q, where
 * P(D + Wq > t) = Σ pⱼ·P(Wq > t − dⱼ) and P(Wq > x) = 1 for x < 0. Found by bisection.
 */
export function delayedWaitQuantile(delay: readonly WeightedValue[], model: QueueModel, quantile: number): number {
  if (!(quantile >= 0 && quantile < 1)) throw new RangeError(`quantile must be in [0, 1), got ${quantile}`)
  const figures = waitFigures(model)
  if (!Number.isFinite(figures.meanWait)) return Number.POSITIVE_INFINITY
  const exceed = 1 - quantile
  // P(Wq > x) in closed form (probabilityOfWaitingLonger), without recomputing Erlang C per point.
  const waiting = figures.probabilityOfWaiting
  const conditionalMean = conditionalMeanWait(model)
  const tail = (t: number) => delay.reduce((sum, d) => sum + d.probability * (t < d.value ? 1 : waiting * Math.exp(-(t - d.value) / conditionalMean)), 0)
  let low = 0
  let high = Math.max(0, ...delay.map((d) => d.value)) + Math.max(waitQuantile(model, quantile), conditionalMean)
  while (tail(high) > exceed) high *= 2
  if (tail(low) <= exceed) return low
  // 60 halvings: the interval shrinks below a double's resolution of `high`.
  for (let i = 0; i < 60; i++) {
    const middle = (low + high) / 2
    if (tail(middle) > exceed) low = middle
    else high = middle
  }
  return high
}
