// Pure rendering of a capacity search and sweep: the document in, tables and verdict lines out.
// The same facts as the JSON's `capacity`, `curve` and `knee`.
import type {ChalkInstance} from 'chalk'
import Table from 'cli-table3'
import {formatMillis, formatRate} from '../output/format.js'
import type {CapacityDocumentParts, CapacitySection} from '../results/capacity.js'
import {KNEE_P99_FACTOR} from './criteria.js'
import type {CurvePoint, Knee, StepRecord} from '../results/capacity.js'

const PLAIN_STYLE = {head: [] as string[], border: [] as string[]}

function slope(step: StepRecord): string {
  if (step.backlogSlopePerSecond === null) return '-'
  const value = step.backlogSlopePerSecond
  return `${value >= 0 ? '+' : ''}${value.toFixed(Math.abs(value) < 10 ? 1 : 0)}/s`
}

function share(part: number, whole: number): string {
  return whole > 0 ? `${((part / whole) * 100).toFixed(1)} %` : '-'
}

function latencyCells(step: StepRecord): string[] {
  if (!step.latency) return ['-', '-', '-']
  return [formatMillis(step.latency.p50Ms), formatMillis(step.latency.p99Ms), formatMillis(step.latency.p999Ms)]
}

export function stepsTable(steps: readonly StepRecord[], colour?: ChalkInstance): string {
  const table = new Table({head: ['#', 'phase', 'target', 'published', 'consumed', 'backlog', 'p50', 'p99', 'p99.9', 'result'], style: PLAIN_STYLE})
  for (const s of steps) {
    const verdict = s.passed ? 'pass' : `FAIL${s.limitedBy === 'generator' ? ' (mqkit)' : ''}`
    table.push([
      String(s.index),
      s.phase,
      formatRate(s.targetPerSecond),
      formatRate(s.achievedPerSecond),
      share(s.consumed, s.published),
      slope(s),
      ...latencyCells(s),
      colour ? (s.passed ? colour.green(verdict) : colour.red(verdict)) : verdict,
    ])
  }
  const why = steps.filter((s) => !s.passed).map((s) => `  #${s.index} ${formatRate(s.targetPerSecond)}: ${s.reasons.join('; ')}`)
  return `${table.toString()}\n${why.length > 0 ? `${why.join('\n')}\n` : ''}`
}

export function verdictLines(c: CapacitySection): string[] {
  const lines: string[] = []
  const took = `search took ${formatMillis(c.elapsedMs)} over ${c.steps.length} steps of ${formatMillis(c.settings.settleMs)} settle + ${formatMillis(c.settings.stepMs)}`
  const slo = c.criteria.slo.length > 0 ? ` within ${c.criteria.slo.join(', ')}` : ''
  switch (c.status) {
    case 'found':
    case 'ceiling':
      lines.push(
        `maximum sustainable rate${slo}: ${formatRate(c.maxRate!)} (confirmed)${c.status === 'ceiling' ? ' — the --max-rate ceiling; the broker may sustain more' : ''}`,
      )
      break
    case 'inconsistent':
      lines.push(
        `INCONSISTENT: ${formatRate(c.maxRate!)} passed twice, but rates at or below it failed (listed below): the capacity moved during the run (noisy host or broker)`,
      )
      break
    case 'unconfirmed':
      lines.push(`NOT CONFIRMED: ${formatRate(c.maxRate!)} passed, then failed when held again: the system is not stable at that rate (noisy host or broker)`)
      break
    case 'no-passing-rate':
      lines.push(`NO SUSTAINABLE RATE${slo}: every rate down to ${formatRate(Math.min(...c.steps.map((s) => s.targetPerSecond)))} failed`)
      break
    case 'interrupted':
      lines.push(`INTERRUPTED${c.maxRate !== null ? `: highest rate passed so far ${formatRate(c.maxRate)}, not confirmed` : ''}`)
      break
    case 'step-limit':
      lines.push(`STOPPED after ${c.steps.length} steps${c.maxRate !== null ? `: highest rate passed ${formatRate(c.maxRate)}, not confirmed` : ''}`)
      break
  }
  if (c.failingRate !== null && c.limitedBy !== null) {
    const who = c.limitedBy === 'generator' ? 'mqkit itself (the load generator)' : 'the broker or its consumers'
    lines.push(`limited by ${who} at ${formatRate(c.failingRate)}: ${c.limitReasons.join('; ')}`)
  }
  if (c.suggestion) lines.push(c.suggestion)
  for (const x of c.contradictions) {
    lines.push(
      `CONTRADICTION: step ${x.failedStep} failed at ${formatRate(x.failedPerSecond)} although step ${x.passedStep} passed at ${formatRate(x.passedPerSecond)}`,
    )
  }
  lines.push(took)
  return lines
}

export function curveTable(curve: readonly CurvePoint[], knee: Knee | null | undefined): string {
  const table = new Table({head: ['rate', 'of max', 'published', 'p50', 'p99', 'p99.9', 'backlog', ''], style: PLAIN_STYLE})
  for (const p of curve) {
    table.push([
      formatRate(p.targetPerSecond),
      p.share === null ? '' : `${(p.share * 100).toFixed(0)} %`,
      formatRate(p.achievedPerSecond),
      ...latencyCells(p),
      slope(p),
      p.knee ? '← knee' : p.passed ? '' : 'fails',
    ])
  }
  const kneeLine = knee
    ? `knee at ${formatRate(knee.perSecond)}: ${knee.reason}`
    : `no knee: p99 stayed within ${KNEE_P99_FACTOR}× its low-load value and the backlog did not grow`
  return `${table.toString()}\n${kneeLine}\n`
}

export function renderCapacity(document: CapacityDocumentParts, options: {colour?: ChalkInstance} = {}): string {
  const c = options.colour
  const bold = (s: string) => (c ? c.bold(s) : s)
  const out: string[] = []
  if (document.capacity) {
    out.push(
      `${bold('capacity search')} (corrected end-to-end latency; a step passes at ≥ ${document.capacity.criteria.minPublishedShare * 100} % of its rate published, ≥ ${document.capacity.criteria.minConsumedShare * 100} % consumed, backlog growing < ${document.capacity.criteria.maxBacklogGrowthShare * 100} % of the rate per second, every SLO met)`,
    )
    out.push(stepsTable(document.capacity.steps, c))
    out.push(`${verdictLines(document.capacity).join('\n')}\n`)
  }
  if (document.curve) {
    out.push(`${bold('latency against rate')}`)
    out.push(curveTable(document.curve, document.knee))
  }
  return out.join('\n')
}
