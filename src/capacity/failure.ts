// The exit a capacity search's status calls for: found and ceiling end 0; a search with no
// passing rate exits 10; one whose answer is not confirmed (failed when held again, contradicted
// by another step, stopped at the step limit) exits 11. Interrupted runs exit as interrupted.
import {CapacityUnconfirmedError, NoSustainableRateError, type MqkitError} from '../errors.js'
import type {CapacitySection} from '../results/capacity.js'

export function capacityFailure(capacity: CapacitySection | undefined): MqkitError | undefined {
  if (!capacity) return undefined
  switch (capacity.status) {
    case 'no-passing-rate':
      return new NoSustainableRateError(`capacity search: no rate passed, down to ${Math.min(...capacity.steps.map((s) => s.targetPerSecond))} msg/s`)
    case 'unconfirmed':
      return new CapacityUnconfirmedError(`capacity search: ${capacity.maxRate} msg/s passed, then failed when held again; the answer is not confirmed`)
    case 'inconsistent':
      return new CapacityUnconfirmedError(
        `capacity search: ${capacity.contradictions.length} step(s) failed at or below a rate that passed; the answer is not confirmed`,
      )
    case 'step-limit':
      return new CapacityUnconfirmedError(`capacity search: stopped after ${capacity.steps.length} steps; the answer is not confirmed`)
    default:
      return undefined
  }
}
