// Rendering a comparison (report --compare): the same facts as its JSON, as a table.
import type {ChalkInstance} from 'chalk'
import Table from 'cli-table3'
import {formatCount, formatDecimal, formatMegabytesPerSecond, formatMillis, formatPercent, formatRate} from '../output/format.js'
import {outputWidth, renderTable, wrapText} from '../output/table.js'
import type {ComparedFigure, Comparison, FigureUnit} from '../results/compare.js'

export function formatFigure(value: number | null, unit: FigureUnit): string {
  if (value === null) return '-'
  switch (unit) {
    case 'ms':
      return value < 0 ? `-${formatMillis(-value)}` : formatMillis(value)
    case 'msg/s':
      return value < 0 ? `-${formatRate(-value)}` : formatRate(value)
    case 'MB/s':
      return formatMegabytesPerSecond(value * 1e6)
    case 'messages':
      return Number.isInteger(value) ? formatCount(value) : formatDecimal(value)
    default:
      return formatCount(value)
  }
}

function signed(text: string, value: number): string {
  return value > 0 ? `+${text}` : text
}

export function formatChange(f: ComparedFigure): string {
  if (f.change === null) return '-'
  const absolute = signed(formatFigure(f.change, f.unit), f.change)
  const percent = f.changePercent === null ? '' : ` (${signed(formatPercent(f.changePercent / 100), f.changePercent)})`
  return `${absolute}${percent}`
}

/** Did the figure get better, worse, or stay the same? */
export function verdict(f: ComparedFigure): 'better' | 'worse' | 'same' {
  if (f.change === null || f.change === 0) return 'same'
  return f.change < 0 === (f.better === 'lower') ? 'better' : 'worse'
}

export function renderComparison(comparison: Comparison, options: {colour?: ChalkInstance; width?: number} = {}): string {
  const c = options.colour
  const width = options.width ?? outputWidth()
  const {baseline: a, candidate: b} = comparison
  const table = new Table({head: ['Figure', a.label, b.label, 'change'], style: {head: [], border: []}, colAligns: ['left', 'right', 'right', 'right']})
  let section = ''
  for (const f of comparison.figures) {
    if (f.section !== section) {
      section = f.section
      table.push([{colSpan: 4, content: c ? c.bold(section) : section}])
    }
    const change = formatChange(f)
    const mark = verdict(f)
    const painted = c && mark !== 'same' ? (mark === 'better' ? c.green(change) : c.red(change)) : change
    table.push([`  ${f.name}`, formatFigure(f.baseline, f.unit), formatFigure(f.candidate, f.unit), painted])
  }
  const header = [
    `baseline  ${a.label}: ${a.url} (${a.backend}, ${a.mode}, ${a.startedAt})`,
    `candidate ${b.label}: ${b.url} (${b.backend}, ${b.mode}, ${b.startedAt})`,
  ].map((line) => wrapText(line, width))
  const settings =
    comparison.settings.length === 0
      ? 'the same workload settings'
      : renderTable(
          {
            head: ['Setting (differs)', a.label, b.label],
            rows: comparison.settings.map((s) => [s.flag, s.baseline, s.candidate]),
            align: ['left', 'right', 'right'],
          },
          width,
        )
  return `${header.join('\n')}\n${settings}\n${table.toString()}\n`
}
