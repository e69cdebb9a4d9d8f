// Pure rendering of a plan: the PlanFacts in, text out. The same facts as `plan --json`; nothing is
// computed here beyond formatting and the ratio of measured to predicted.
import type {ChalkInstance} from 'chalk'
import Table from 'cli-table3'
import {formatCount, formatMillis, formatRate} from '../output/format.js'
import type {PlanFacts, Prediction, VerifyRun} from './plan.js'

const PLAIN_STYLE = {head: [] as string[], border: [] as string[]}

export interface PlanRenderOptions {
  colour?: ChalkInstance
}

function millis(ms: number | null): string {
  return ms === null ? 'unbounded' : formatMillis(ms)
}

function ratio(value: number): string {
  return value.toFixed(value < 10 ? 2 : 1)
}

function verdict(passed: boolean, colour?: ChalkInstance): string {
  const text = passed ? 'meets' : 'misses'
  return colour ? (passed ? colour.green(text) : colour.red(text)) : text
}

function predictionsTable(facts: PlanFacts, colour?: ChalkInstance): string {
  const stat = facts.slo.stat
  const percentile = facts.plan.predicted.percentile
  const table = new Table({
    head: ['consumers', 'handlers', 'utilisation', 'P(wait)', 'mean wait', `${percentile} wait`, `${stat} latency`, 'SLO'],
    style: PLAIN_STYLE,
    colAligns: ['right', 'right', 'right', 'right', 'right', 'right', 'right', 'left'],
  })
  for (const p of facts.neighbours) {
    const mark = p.consumers === facts.plan.consumers ? ' ←' : ''
    table.push([
      `${p.consumers}${mark}`,
      String(p.servers),
      ratio(p.utilisation),
      p.utilisation >= 1 ? '1' : p.probabilityOfWaiting.toFixed(3),
      millis(p.meanWaitMs),
      millis(p.percentileWaitMs),
      millis(p.sloValueMs),
      verdict(p.meetsSlo, colour),
    ])
  }
  return table.toString()
}

function pair(predicted: number | null, measured: number, format: (n: number) => string): string {
  return `${predicted === null ? 'unbounded' : format(predicted)} / ${format(measured)}`
}

function verifyTable(runs: VerifyRun[], facts: PlanFacts, colour?: ChalkInstance): string {
  const stat = facts.slo.stat
  const byPercentile = stat !== 'mean'
  const head = [
    'consumers',
    'messages',
    'handling',
    'utilisation',
    'mean latency',
    ...(byPercentile ? [`${stat} latency`] : []),
    'SLO predicted',
    'SLO measured',
  ]
  const table = new Table({head, style: PLAIN_STYLE, colAligns: [...head.slice(0, -2).map(() => 'right' as const), 'left', 'left']})
  for (const run of runs) {
    const p: Prediction = run.predicted
    const m = run.measured
    const predictedMean = p.meanWaitMs === null ? null : facts.inputs.delivery.meanMs + p.meanWaitMs
    table.push([
      String(run.consumers),
      formatCount(m.messages),
      pair(facts.inputs.handling.meanMs, m.handlingMeanMs, formatMillis),
      pair(p.utilisation, m.utilisation, ratio),
      pair(predictedMean, m.meanMs, formatMillis),
      ...(byPercentile ? [pair(p.sloValueMs, m.sloValueMs, formatMillis)] : []),
      verdict(p.meetsSlo, colour),
      verdict(m.meetsSlo, colour),
    ])
  }
  return table.toString()
}

export function renderPlan(facts: PlanFacts, options: PlanRenderOptions = {}): string {
  const c = options.colour
  const bold = (s: string) => (c ? c.bold(s) : s)
  const i = facts.inputs
  const h = i.handling
  const lines: string[] = []
  const plural = facts.plan.consumers === 1 ? 'consumer' : 'consumers'
  const range = facts.plan.consumersRange
  const uncertain = range.low === range.high ? '' : ` (${range.low}–${range.high} within T̄ ± 2 standard errors)`
  lines.push(bold(`mqkit plan: ${facts.plan.consumers} ${plural} for ${formatRate(i.ratePerSecond)} (${i.arrivals}) with ${facts.slo.expression}${uncertain}`))
  lines.push(
    `  predicted: utilisation ${ratio(facts.plan.utilisation)}, mean wait ${millis(facts.plan.predicted.meanWaitMs)}, ` +
      `${facts.plan.predicted.percentile} wait ${millis(facts.plan.predicted.percentileWaitMs)}, ${facts.slo.stat} latency ${millis(facts.plan.predicted.sloValueMs)}`,
  )
  lines.push('')
  lines.push(bold('Figures used'))
  const twoStandardErrorsMs = (2 * h.stdevMs) / Math.sqrt(h.count)
  lines.push(
    `  handling time  mean ${formatMillis(h.meanMs)} ± ${formatMillis(twoStandardErrorsMs)}, stdev ${formatMillis(h.stdevMs)} (cs² ${h.scv.toFixed(2)}), ${formatCount(h.count)} messages, from ${h.source}`,
  )
  lines.push(
    `  concurrency    ${i.workMode} mode, prefetch ${i.prefetch}: ${i.handlersPerConsumer} handler${i.handlersPerConsumer === 1 ? '' : 's'} per consumer`,
  )
  lines.push(`  arrivals       ${i.arrivals} (ca² ${i.arrivalScv})`)
  const d = i.delivery
  const spread = d.distribution === null ? 'taken as constant' : `p50 ${formatMillis(d.distribution.p50)}, p99 ${formatMillis(d.distribution.p99)}`
  lines.push(`  delivery       mean ${formatMillis(d.meanMs)}, ${spread} (intended send → receipt without waiting; added to every wait)`)
  lines.push(`  model          M/M/c (Erlang C) waits × Allen–Cunneen (ca² + cs²)/2 = ${i.correction.toFixed(2)}`)
  lines.push('')
  lines.push(predictionsTable(facts, c))
  if (facts.plan.measured) {
    lines.push('')
    lines.push(bold('Verified with bench (predicted / measured)'))
    lines.push(verifyTable(facts.plan.measured, facts, c))
  }
  return `${lines.join('\n')}\n`
}
