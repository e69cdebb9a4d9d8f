// The search for the highest sustainable rate: bracket (double from the start rate until a step
// fails, or halve until one passes), bisect between the highest passing and the lowest failing
// rate until they are within the precision, then hold the answer once more to confirm it. The
// algorithm only sees steps through `runStep`, so it is tested against brokers of known capacity
// without running any.
import {DEFAULT_CONFIRM_WINDOW} from '../drivers/confirm-window.js'
import {SEARCH_DEFAULTS} from './criteria.js'
import {generatorEvidence} from './step.js'
import type {Contradiction, LimitedBy, SearchStatus, StepPhase, StepRecord} from '../results/capacity.js'

export interface SearchSettings {
  startRatePerSecond: number
  /** Highest rate to try; reaching it with a pass ends the search (status `ceiling`). */
  maxRatePerSecond?: number
  minRatePerSecond: number
  precision: number
  maxSteps: number
}

export interface SearchOutcome {
  status: SearchStatus
  /** The highest rate that passed and (status found/ceiling) passed again; null when none did. */
  maxRate: number | null
  /** What limited the lowest failing rate above maxRate; null when nothing failed. */
  limitedBy: LimitedBy | null
  /** That step's failed criteria and, for a generator limit, its evidence. */
  limitReasons: string[]
  /** The lowest rate that failed above maxRate. */
  failingRate: number | null
  contradictions: Contradiction[]
  steps: StepRecord[]
}

export type RunStep = (ratePerSecond: number, phase: StepPhase, index: number) => Promise<StepRecord>

export function defaultSearchSettings(overrides: Partial<SearchSettings> = {}): SearchSettings {
  return {
    startRatePerSecond: SEARCH_DEFAULTS.startRatePerSecond,
    minRatePerSecond: SEARCH_DEFAULTS.minRatePerSecond,
    precision: SEARCH_DEFAULTS.precision,
    maxSteps: SEARCH_DEFAULTS.maxSteps,
    ...overrides,
  }
}

/** Rates shown to people: whole msg/s from 100 up, one decimal below. */
export function roundRate(perSecond: number): number {
  return perSecond >= 100 ? Math.round(perSecond) : Math.round(perSecond * 10) / 10
}

export async function findMaxRate(
  settings: SearchSettings,
  runStep: RunStep,
  producerWindow = {producers: 1, confirmWindow: DEFAULT_CONFIRM_WINDOW},
): Promise<SearchOutcome> {
  const steps: StepRecord[] = []
  let passing: number | undefined
  let failing: number | undefined
  let stopped: SearchStatus | undefined
  const run = async (rate: number, phase: StepPhase): Promise<StepRecord | undefined> => {
    if (steps.length >= settings.maxSteps) {
      stopped = 'step-limit'
      return undefined
    }
    const step = await runStep(rate, phase, steps.length + 1)
    steps.push(step)
    if (step.reasons.includes('interrupted')) {
      stopped = 'interrupted'
      return undefined
    }
    return step
  }

  // Bracket.
  let rate = roundRate(settings.maxRatePerSecond === undefined ? settings.startRatePerSecond : Math.min(settings.startRatePerSecond, settings.maxRatePerSecond))
  let atCeiling = false
  for (;;) {
    const step = await run(rate, 'bracket')
    if (!step) break
    if (step.passed) {
      passing = rate
      if (failing !== undefined) break
      if (settings.maxRatePerSecond !== undefined && rate >= settings.maxRatePerSecond) {
        atCeiling = true
        break
      }
      rate = roundRate(settings.maxRatePerSecond === undefined ? rate * 2 : Math.min(rate * 2, settings.maxRatePerSecond))
    } else {
      failing = rate
      if (passing !== undefined) break
      rate = roundRate(rate / 2)
      if (rate < settings.minRatePerSecond) break
    }
  }

  // Bisect.
  while (stopped === undefined && passing !== undefined && failing !== undefined && failing > passing * (1 + settings.precision)) {
    const middle = roundRate((passing + failing) / 2)
    if (middle <= passing || middle >= failing) break
    const step = await run(middle, 'bisect')
    if (!step) break
    if (step.passed) passing = middle
    else failing = middle
  }

  // Confirm.
  let confirmed = false
  if (stopped === undefined && passing !== undefined) {
    const step = await run(passing, 'confirm')
    confirmed = step?.passed === true
  }

  const contradictions = findContradictions(steps)
  const decisive = failing === undefined ? undefined : steps.find((s) => !s.passed && s.targetPerSecond === failing)
  const limitReasons = decisive
    ? [
        ...decisive.reasons,
        ...(decisive.limitedBy === 'generator' ? [generatorEvidence(decisive, producerWindow.producers, producerWindow.confirmWindow)] : []),
      ].filter(Boolean)
    : []
  const status: SearchStatus =
    stopped ??
    (passing === undefined ? 'no-passing-rate' : !confirmed ? 'unconfirmed' : contradictions.length > 0 ? 'inconsistent' : atCeiling ? 'ceiling' : 'found')
  return {
    status,
    maxRate: passing ?? null,
    limitedBy: decisive?.limitedBy ?? null,
    limitReasons,
    failingRate: failing ?? null,
    contradictions,
    steps,
  }
}

/** Every pair where a rate failed although the same or a higher rate passed. */
export function findContradictions(steps: readonly StepRecord[]): Contradiction[] {
  const found: Contradiction[] = []
  for (const failed of steps) {
    if (failed.passed || failed.reasons.includes('interrupted')) continue
    for (const passed of steps) {
      if (passed.passed && passed.targetPerSecond >= failed.targetPerSecond) {
        found.push({passedStep: passed.index, passedPerSecond: passed.targetPerSecond, failedStep: failed.index, failedPerSecond: failed.targetPerSecond})
      }
    }
  }
  return found
}
