// Service-level objectives for a capacity search: `--slo` takes the `--assert` syntax, and a step
// meets them when every one holds. In a search every step is open loop, so end-to-end latencies
// are read coordinated-omission corrected (from the intended send time): the latency a client
// sending on that schedule would see, not the flattering one of messages that happened to leave
// on time.
import {evaluateAssertions, parseAssertion, type Assertion} from '../results/assert.js'
import type {AssertionOutcome, BenchResult} from '../results/document.js'

export function parseSlo(expression: string): Assertion {
  return parseAssertion(expression, 'slo')
}

/** The result as an SLO reads it: end-to-end figures are the corrected ones when the run has them. */
export function sloView(result: BenchResult): BenchResult {
  const corrected = result.latency.endToEndCorrected
  if (corrected === null) return result
  return {...result, latency: {...result.latency, endToEnd: corrected}}
}

export function evaluateSlos(slos: Assertion[], result: BenchResult): AssertionOutcome[] {
  return evaluateAssertions(slos, sloView(result))
}
