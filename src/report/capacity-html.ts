// The capacity parts of the HTML report: the search's steps and verdict, and the latency-vs-rate
// chart ("hockey stick") with the knee and the SLO line. Pure: document in, markup out.
import type {BenchResult} from '../results/document.js'
import type {CapacityDocumentParts} from '../results/capacity.js'
import {verdictLines} from '../capacity/render.js'
import {parseSlo} from '../capacity/slo.js'

import {formatCount, formatMillis, formatRate} from '../output/format.js'
import {escapeHtml} from './escape.js'
import {htmlTable} from './html-tables.js'
import {linearAxis, PALETTE, renderLineChart, type ChartSeries} from './svg.js'
import type {StepRecord} from '../results/capacity.js'

type CapacityResultLike = BenchResult & CapacityDocumentParts

function latency(step: StepRecord, pick: 'p50Ms' | 'p99Ms' | 'p999Ms'): string {
  return step.latency ? formatMillis(step.latency[pick]) : '-'
}

function stepRows(steps: readonly StepRecord[]) {
  return steps.map((s) => [
    String(s.index),
    s.phase,
    formatRate(s.targetPerSecond),
    formatRate(s.achievedPerSecond),
    s.published > 0 ? `${((s.consumed / s.published) * 100).toFixed(1)} %` : '-',
    s.backlogSlopePerSecond === null ? '-' : `${s.backlogSlopePerSecond.toFixed(1)}/s`,
    latency(s, 'p50Ms'),
    latency(s, 'p99Ms'),
    latency(s, 'p999Ms'),
    s.passed
      ? {html: 'pass', className: 'good'}
      : {html: escapeHtml(`FAIL: ${s.reasons.join('; ')}${s.limitedBy === 'generator' ? ' (mqkit)' : ''}`), className: 'bad why'},
  ])
}

const STEP_HEAD = ['#', 'phase', 'target', 'published', 'consumed', 'backlog', 'p50', 'p99', 'p99.9', 'result']

/** Latency SLO thresholds (ms) among the expressions, for the chart's SLO line. */
function latencySloMs(expressions: readonly string[]): Array<{expression: string; ms: number}> {
  return expressions.flatMap((expression) => {
    const slo = parseSlo(expression)
    return /(^|\.)(p\d|mean|max|min)/.test(slo.metric) && !slo.metric.startsWith('handling') ? [{expression, ms: slo.threshold}] : []
  })
}

/** Corrected end-to-end latency against rate, from the sweep (or, without one, the search's steps). */
export function latencyRateChart(document: CapacityResultLike, id = 'chart-latency-rate'): string {
  const points = (document.curve ?? [...(document.capacity?.steps ?? [])].sort((a, b) => a.targetPerSecond - b.targetPerSecond)).filter(
    (p) => p.latency !== null,
  )
  const line = (name: string, pick: 'p50Ms' | 'p99Ms' | 'p999Ms', colour: string, strokePx = 2): ChartSeries => ({
    name,
    colour,
    strokePx,
    points: points.map((p) => [p.achievedPerSecond, p.latency![pick]]),
  })
  const series: ChartSeries[] = [line('p50', 'p50Ms', PALETTE[0]), line('p99', 'p99Ms', PALETTE[1], 3), line('p99.9', 'p999Ms', PALETTE[3])]
  const maxX = Math.max(1, ...points.map((p) => Math.max(p.achievedPerSecond, p.targetPerSecond)))
  const slos = latencySloMs(document.capacity?.criteria.slo ?? [])
  const maxY = Math.max(0, ...series.flatMap((s) => s.points.map(([, y]) => y)), ...slos.map((s) => s.ms))
  for (const slo of slos) {
    series.push({
      name: `SLO ${slo.expression}`,
      colour: PALETTE[6],
      dashed: true,
      strokePx: 1.5,
      points: [
        [0, slo.ms],
        [maxX, slo.ms],
      ],
    })
  }
  const knee = document.knee
  if (knee)
    series.push({
      name: `knee at ${formatRate(knee.perSecond)}`,
      colour: PALETTE[2],
      dashed: true,
      strokePx: 1.5,
      points: [
        [knee.perSecond, 0],
        [knee.perSecond, maxY],
      ],
    })
  const max = document.capacity?.maxRate
  if (max !== null && max !== undefined)
    series.push({
      name: `maximum sustainable ${formatRate(max)}`,
      colour: PALETTE[4],
      dashed: true,
      strokePx: 1.5,
      points: [
        [max, 0],
        [max, maxY],
      ],
    })
  return renderLineChart({
    id,
    title: 'Corrected end-to-end latency against rate',
    x: linearAxis('published rate (msg/s)', maxX, (v) => formatCount(v)),
    y: linearAxis('latency (ms)', maxY, (v) => formatMillis(v)),
    series,
  })
}

export function capacityHtml(document: CapacityResultLike): string {
  if (!document.capacity && !document.curve) return ''
  const parts: string[] = ['<h2>Capacity</h2>']
  if (document.capacity) {
    parts.push(
      `<p>${verdictLines(document.capacity)
        .map((line) => escapeHtml(line))
        .join('<br>')}</p>`,
    )
    parts.push(htmlTable('Search steps (corrected end-to-end latency)', STEP_HEAD, stepRows(document.capacity.steps)))
    parts.push(
      `<p class="muted">The rest of this report is the confirmation step at ${escapeHtml(formatRate(document.workload.rate?.[0]?.perSecond ?? 0))}.</p>`,
    )
  }
  if (document.curve) {
    parts.push(htmlTable('Latency against rate (sweep)', STEP_HEAD, stepRows(document.curve)))
    parts.push(`<p>${escapeHtml(document.knee ? `knee at ${formatRate(document.knee.perSecond)}: ${document.knee.reason}` : 'no knee in the swept range')}</p>`)
  }
  parts.push(`<div class="charts">${latencyRateChart(document)}</div>`)
  return parts.join('\n')
}
