// Line charts as inline SVG strings, drawn here rather than by a browser library so the report
// needs no network and no script, and so a test can read the chart straight from the markup.
// Pure: series in, markup out. Coordinates are rounded to 0.1 px to keep the page small.
import {escapeHtml} from './escape.js'

export interface ChartSeries {
  name: string
  colour: string
  points: Array<[x: number, y: number]>
  dashed?: boolean
  /** Stroke width; a wider line under a narrower one keeps both visible where they coincide. */
  strokePx?: number
}

export interface AxisTick {
  value: number
  text: string
}

export interface ChartAxis {
  /** Axis title, with its unit, e.g. "latency (ms)". */
  label: string
  min: number
  max: number
  ticks: AxisTick[]
}

/** A shaded stretch of the x axis (an outage window), drawn under the series. */
export interface ChartBand {
  from: number
  to: number
  /** Tooltip, e.g. "outage 1: 6.50 s". */
  label: string
}

export interface LineChart {
  /** Element id and a class hook for tests: `<svg id="chart-…" class="chart">`. */
  id: string
  title: string
  x: ChartAxis
  y: ChartAxis
  series: ChartSeries[]
  /** Shaded x ranges, clipped to the axis; one legend row names them (bandsLegend). */
  bands?: ChartBand[]
  bandsLegend?: string
  widthPx?: number
  heightPx?: number
}

/** Colour-blind-safe palette (Okabe–Ito), in a fixed order so kinds keep their colour. */
export const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#F0E442']

const MARGIN = {left: 72, right: 44, top: 34, bottom: 50}
const LEGEND_ROW_PX = 18

/** Tick values at 1/2/5 × 10^k steps covering [min, max] with about `count` ticks. */
export function niceTicks(min: number, max: number, count = 6, minStep = 0): number[] {
  if (!(max > min)) return [min]
  const rough = Math.max((max - min) / count, minStep)
  const magnitude = 10 ** Math.floor(Math.log10(rough))
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= rough) ?? 10 * magnitude
  const ticks: number[] = []
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)))
  return ticks
}

/** A linear axis from 0 (or min) to a rounded-up max, with ticks formatted by `format`. */
export function linearAxis(label: string, dataMax: number, format: (v: number) => string, options: {min?: number; minStep?: number} = {}): ChartAxis {
  const dataMin = options.min ?? 0
  const top = dataMax > dataMin ? dataMax : dataMin + Math.max(1, options.minStep ?? 0)
  const ticks = niceTicks(dataMin, top, 6, options.minStep)
  const step = ticks.length > 1 ? ticks[1] - ticks[0] : top
  const max = ticks.at(-1)! < top ? ticks.at(-1)! + step : ticks.at(-1)!
  if (ticks.at(-1)! < max) ticks.push(Number(max.toPrecision(12)))
  return {label, min: dataMin, max, ticks: ticks.map((value) => ({value, text: format(value)}))}
}

function r(n: number): string {
  return (Math.round(n * 10) / 10).toString()
}

export function renderLineChart(chart: LineChart): string {
  const width = chart.widthPx ?? 1040
  const plotHeight = (chart.heightPx ?? 420) - MARGIN.top - MARGIN.bottom
  const bands = chart.bands ?? []
  const legendRows = chart.series.length + (bands.length > 0 ? 1 : 0)
  const height = MARGIN.top + plotHeight + MARGIN.bottom + legendRows * LEGEND_ROW_PX + 6
  const plotWidth = width - MARGIN.left - MARGIN.right
  const sx = (x: number) => MARGIN.left + ((x - chart.x.min) / (chart.x.max - chart.x.min || 1)) * plotWidth
  const sy = (y: number) => MARGIN.top + plotHeight - ((y - chart.y.min) / (chart.y.max - chart.y.min || 1)) * plotHeight
  const out: string[] = []
  out.push(
    `<svg id="${escapeHtml(chart.id)}" class="chart" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(chart.title)}">`,
  )
  out.push(`<title>${escapeHtml(chart.title)}</title>`)
  out.push(`<text class="chart-title" x="${MARGIN.left}" y="20">${escapeHtml(chart.title)}</text>`)
  out.push(`<rect class="plot" x="${MARGIN.left}" y="${MARGIN.top}" width="${plotWidth}" height="${plotHeight}"/>`)
  for (const band of bands) {
    const from = Math.max(chart.x.min, Math.min(chart.x.max, band.from))
    const to = Math.max(chart.x.min, Math.min(chart.x.max, band.to))
    if (!(to > from)) continue
    out.push(
      `<rect class="band" x="${r(sx(from))}" y="${MARGIN.top}" width="${r(sx(to) - sx(from))}" height="${plotHeight}" data-from="${band.from}" data-to="${band.to}"><title>${escapeHtml(band.label)}</title></rect>`,
    )
  }
  for (const tick of chart.y.ticks) {
    const y = r(sy(tick.value))
    out.push(`<line class="grid" x1="${MARGIN.left}" x2="${MARGIN.left + plotWidth}" y1="${y}" y2="${y}"/>`)
    out.push(`<text class="tick" x="${MARGIN.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${escapeHtml(tick.text)}</text>`)
  }
  for (const tick of chart.x.ticks) {
    const x = r(sx(tick.value))
    out.push(`<line class="grid" x1="${x}" x2="${x}" y1="${MARGIN.top}" y2="${MARGIN.top + plotHeight}"/>`)
    out.push(`<text class="tick" x="${x}" y="${MARGIN.top + plotHeight + 16}" text-anchor="middle">${escapeHtml(tick.text)}</text>`)
  }
  out.push(
    `<text class="axis-label" x="${MARGIN.left + plotWidth / 2}" y="${MARGIN.top + plotHeight + 38}" text-anchor="middle">${escapeHtml(chart.x.label)}</text>`,
  )
  const midY = MARGIN.top + plotHeight / 2
  out.push(`<text class="axis-label" x="16" y="${midY}" text-anchor="middle" transform="rotate(-90 16 ${midY})">${escapeHtml(chart.y.label)}</text>`)
  const drawn = chart.series.filter((s) => s.points.length > 0)
  if (drawn.length === 0) {
    out.push(`<text class="no-data" x="${MARGIN.left + plotWidth / 2}" y="${midY}" text-anchor="middle">no data</text>`)
  }
  for (const s of drawn) {
    const d = s.points.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${r(sx(x))},${r(sy(y))}`).join('')
    out.push(
      `<path class="series" data-series="${escapeHtml(s.name)}" d="${d}" fill="none" stroke="${escapeHtml(s.colour)}" stroke-width="${s.strokePx ?? 2}"${s.dashed ? ' stroke-dasharray="6 4"' : ''}><title>${escapeHtml(s.name)}</title></path>`,
    )
    // A lone point has no line to show it.
    if (s.points.length === 1) out.push(`<circle cx="${r(sx(s.points[0][0]))}" cy="${r(sy(s.points[0][1]))}" r="3" fill="${escapeHtml(s.colour)}"/>`)
  }
  chart.series.forEach((s, i) => {
    const y = MARGIN.top + plotHeight + MARGIN.bottom + i * LEGEND_ROW_PX + 4
    out.push(
      `<line x1="${MARGIN.left}" x2="${MARGIN.left + 28}" y1="${y}" y2="${y}" stroke="${escapeHtml(s.colour)}" stroke-width="3"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`,
    )
    out.push(
      `<text class="legend" x="${MARGIN.left + 36}" y="${y}" dominant-baseline="middle">${escapeHtml(s.name)}${s.points.length === 0 ? ' (no samples)' : ''}</text>`,
    )
  })
  if (bands.length > 0) {
    const y = MARGIN.top + plotHeight + MARGIN.bottom + chart.series.length * LEGEND_ROW_PX + 4
    out.push(`<rect class="band" x="${MARGIN.left}" y="${y - 6}" width="28" height="12"/>`)
    out.push(`<text class="legend" x="${MARGIN.left + 36}" y="${y}" dominant-baseline="middle">${escapeHtml(chart.bandsLegend ?? 'shaded')}</text>`)
  }
  out.push('</svg>')
  return out.join('\n')
}
