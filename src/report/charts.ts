// The report's three charts, built from a result's own data: the latency percentile spectrum
// (decoded from the compressed HDR histograms, so it is as exact as the tables), throughput over
// time and queue length over time (the per-interval and sampled series; per source when merged),
// with a run's outage windows shaded on the throughput chart.
import {LATENCY_KINDS, type IntervalStats, type LatencyKind} from '../bench/measurements.js'
import type {BenchResult} from '../results/document.js'
import {LatencyHistogram} from '../metrics/histogram.js'
import {formatCount, formatMillis} from '../output/format.js'
import {isMerged} from '../results/merge.js'
import {linearAxis, PALETTE, renderLineChart, type ChartAxis, type ChartBand, type ChartSeries} from './svg.js'

export const KIND_LABELS: Record<LatencyKind, string> = {
  publish: 'publish (send→confirm)',
  endToEnd: 'end-to-end (send→receive)',
  endToEndCorrected: 'end-to-end from intended send',
  publishDelay: 'publish delay (actual−intended)',
  handling: 'handling time (receive→ack)',
}

/** The spectrum's x axis: "nines", x = −log10(1 − p/100), so 0 = p0, 2 = p99, 5 = p99.999. */
export const MAX_NINES = 5
const NINES_STEP = 0.05

export function percentileAtNines(nines: number): number {
  return 100 * (1 - 10 ** -nines)
}

/** Latency (ms) at percentiles evenly spread on the nines scale, from the encoded histogram. */
export function spectrumPoints(histogram: LatencyHistogram): Array<[nines: number, latencyMs: number]> {
  if (histogram.count === 0) return []
  const points: Array<[number, number]> = []
  for (let i = 0; i * NINES_STEP <= MAX_NINES + 1e-9; i++) {
    const nines = i * NINES_STEP
    // HDR's value at 100 − ε is its bucket's upper edge; the exact max is known, so cap there.
    points.push([nines, Math.min(histogram.percentileMs(percentileAtNines(nines)), histogram.maxMs)])
  }
  return points
}

const NINES_AXIS: ChartAxis = {
  label: 'percentile (log scale of nines)',
  min: 0,
  max: MAX_NINES,
  ticks: [0, 1, 2, 3, 4, 5].map((value) => ({value, text: value === 0 ? '0%' : `${percentileAtNines(value).toFixed(Math.max(0, value - 2))}%`})),
}

function msTick(ms: number): string {
  return Number(ms.toPrecision(6)).toString()
}

function secondsTick(s: number): string {
  return Number(s.toPrecision(6)).toString()
}

interface Run {
  result: BenchResult
  /** Label of the run, used only when several runs share a chart. */
  label?: string
}

/** One line per latency kind (per run × kind when several runs are drawn; runs after the first dashed). */
export function spectrumChart(runs: Run[], id = 'chart-latency-spectrum'): string {
  const series: ChartSeries[] = []
  runs.forEach((run, r) => {
    LATENCY_KINDS.forEach((kind, k) => {
      const present =
        kind === 'endToEndCorrected' ? run.result.latency.endToEndCorrected !== null : kind === 'publishDelay' ? run.result.latency.publishDelay !== null : true
      if (!present) return
      const points = spectrumPoints(LatencyHistogram.decode(run.result.histograms[kind]))
      series.push({name: `${run.label ? `${run.label}: ` : ''}${KIND_LABELS[kind]}`, colour: PALETTE[k], points, dashed: r % 2 === 1})
    })
  })
  const maxMs = Math.max(0, ...series.flatMap((s) => s.points.map(([, y]) => y)))
  return renderLineChart({id, title: 'Latency by percentile', x: NINES_AXIS, y: linearAxis('latency (ms)', maxMs, msTick), series})
}

interface TimeSeries {
  name: string
  points: Array<[number, number]>
  dashed?: boolean
  strokePx?: number
}

/** Counts (msg/s, messages) are whole numbers: ticks never finer than 1. Bands (seconds) widen the x axis to show them whole. */
function timeChart(id: string, title: string, yLabel: string, lines: TimeSeries[], yFormat: (v: number) => string, bands: ChartBand[] = []): string {
  const maxX = Math.max(0, ...lines.flatMap((l) => l.points.map(([x]) => x)), ...bands.map((b) => b.to))
  const maxY = Math.max(0, ...lines.flatMap((l) => l.points.map(([, y]) => y)))
  const series = lines.map((l, i) => ({...l, colour: PALETTE[i % PALETTE.length]}))
  const shading = bands.length > 0 ? {bands, bandsLegend: 'outage windows (no confirm or no delivery)'} : {}
  return renderLineChart({
    id,
    title,
    x: linearAxis('time since start (s)', maxX, secondsTick),
    y: linearAxis(yLabel, maxY, yFormat, {minStep: 1}),
    series,
    ...shading,
  })
}

/** A run's outage windows as chart bands, in seconds (intervals' elapsedMs share the run clock). */
export function outageBands(runs: Run[]): ChartBand[] {
  return runs.flatMap((run) =>
    isMerged(run.result)
      ? [] // merged results carry no availability section
      : (run.result.availability?.windows ?? []).map((w, i) => ({
          from: w.fromMs / 1000,
          to: w.toMs / 1000,
          label: `${run.label ? `${run.label}: ` : ''}outage ${i + 1}: ${formatMillis(w.durationMs)}, ${w.recovered ? 'recovered' : 'NOT recovered'}`,
        })),
  )
}

/** Published and consumed msg/s per interval (warmup intervals included, they are part of the run). */
export function throughputChart(runs: Run[], id = 'chart-throughput'): string {
  const lines: TimeSeries[] = []
  runs.forEach((run, r) => {
    const sources = isMerged(run.result)
      ? run.result.merged.sources.map((s) => ({prefix: `${s.label}: `, offsetMs: s.offsetMs, intervals: s.intervals}))
      : [{prefix: '', offsetMs: 0, intervals: run.result.intervals}]
    for (const s of sources) {
      const prefix = `${run.label ? `${run.label}: ` : ''}${s.prefix}`
      const at = (elapsedMs: number) => (s.offsetMs + elapsedMs) / 1000
      // A rate holds over its whole interval: draw steps, not a line between interval ends. The
      // last interval's rate holds only as long as publishing (consuming) went on in it.
      const steps = (pick: (i: IntervalStats) => number, span: (i: IntervalStats) => number | undefined) =>
        s.intervals.flatMap(
          (i): Array<[number, number]> =>
            span(i) === 0
              ? [] // after it ended: the line ends where it did
              : [
                  [at(i.elapsedMs - i.durationMs), pick(i)],
                  [at(i.elapsedMs - i.durationMs + (span(i) ?? i.durationMs)), pick(i)],
                ],
        )
      // Published drawn wider, under consumed: both stay visible when they coincide.
      lines.push({
        name: `${prefix}published`,
        points: steps(
          (i) => i.publishedPerSecond,
          (i) => i.publishedDurationMs,
        ),
        dashed: r % 2 === 1,
        strokePx: 4,
      })
      lines.push({
        name: `${prefix}consumed`,
        points: steps(
          (i) => i.consumedPerSecond,
          (i) => i.consumedDurationMs,
        ),
        dashed: r % 2 === 1,
        strokePx: 1.5,
      })
    }
  })
  return timeChart(id, 'Throughput per interval', 'throughput (msg/s)', lines, (v) => formatCount(v), outageBands(runs))
}

/** Sampled queue length (ready + in flight) over time, one line per run or merged source. */
export function queueLengthChart(runs: Run[], id = 'chart-queue-length'): string {
  const lines: TimeSeries[] = []
  runs.forEach((run, r) => {
    const sources = isMerged(run.result)
      ? run.result.merged.sources.map((s) => ({name: s.label, offsetMs: s.offsetMs, series: s.queueLength.series}))
      : [{name: 'queue length', offsetMs: 0, series: run.result.queueLength.series}]
    for (const s of sources) {
      lines.push({
        name: `${run.label ? `${run.label}: ` : ''}${s.name}`,
        points: s.series.map(([tMs, length]) => [(s.offsetMs + tMs) / 1000, length]),
        dashed: r % 2 === 1,
      })
    }
  })
  return timeChart(id, 'Queue length (ready + in flight)', 'queue length (messages)', lines, (v) => formatCount(v))
}
