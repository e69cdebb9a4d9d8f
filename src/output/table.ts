// Tables that fit the output's width. A table wider than `width` is stacked: its columns are
// split, in order, over several tables of the same rows, each repeating the leading label
// column(s), so no figure is dropped (--json has them all anyway). A single column too wide on its
// own is word-wrapped. Rows are not separated by rules: a stacked table stays short.
import Table from 'cli-table3'

/** The width a pipe or file gets when COLUMNS does not say otherwise (README "Output width"). */
export const DEFAULT_OUTPUT_WIDTH = 80

/**
 * The width tables are drawn for on `stream`: a terminal's own width; otherwise COLUMNS when it
 * is a positive number, else DEFAULT_OUTPUT_WIDTH, so output saved or piped reads the same in an
 * 80-column log as on a default terminal.
 */
export function outputWidth(stream: {isTTY?: boolean; columns?: number} = process.stdout, env: NodeJS.ProcessEnv = process.env): number {
  if (stream.isTTY === true && typeof stream.columns === 'number' && stream.columns > 0) return stream.columns
  const fromEnv = Number(env.COLUMNS)
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : DEFAULT_OUTPUT_WIDTH
}

export type Align = 'left' | 'right'

export interface TableSpec {
  head: string[]
  rows: string[][]
  /** Per column; default left. */
  align?: Align[]
  /** Leading columns repeated in every part when the table is stacked. @default 1 */
  keep?: number
  /** Colour the header and borders (cli-table3's default style). @default false */
  colour?: boolean
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: ESC is what an ANSI colour code starts with
const ANSI = /\u001B\[[0-9;]*m/g

/** Columns a string takes on a terminal (ANSI colour codes take none; the widest line counts). */
export function visibleWidth(text: string): number {
  return Math.max(
    0,
    ...text
      .replace(ANSI, '')
      .split('\n')
      .map((line) => [...line].length),
  )
}

function draw(spec: TableSpec, columns: number[], colWidths?: Array<number | null>): string {
  const table = new Table({
    head: columns.map((c) => spec.head[c]),
    style: spec.colour ? {} : {head: [], border: []},
    colAligns: columns.map((c) => spec.align?.[c] ?? 'left'),
    ...(colWidths ? {colWidths, wordWrap: true} : {}),
  })
  for (const row of spec.rows) table.push(columns.map((c) => row[c] ?? ''))
  // The rule under the header stays; the rules between body rows go (cli-table3 draws both alike).
  const lines = table.toString().split('\n')
  const rule = (line: string) => line.replace(ANSI, '').startsWith('├')
  const headerRule = lines.findIndex(rule)
  return lines.filter((line, i) => i === headerRule || !rule(line)).join('\n')
}

/** Width of the table drawn from `columns`: each column's widest cell plus padding and a border. */
function tableWidth(spec: TableSpec, columns: number[]): number {
  return 1 + columns.reduce((sum, c) => sum + columnWidth(spec, c) + 3, 0)
}

function columnWidth(spec: TableSpec, column: number): number {
  return Math.max(visibleWidth(spec.head[column] ?? ''), ...spec.rows.map((row) => visibleWidth(row[column] ?? '')))
}

/** The table, stacked into several when it is wider than `width`. */
export function renderTable(spec: TableSpec, width: number): string {
  const all = spec.head.map((_, i) => i)
  const keep = all.slice(0, Math.min(spec.keep ?? 1, all.length))
  if (tableWidth(spec, all) <= width) return draw(spec, all)
  const parts: number[][] = []
  let current: number[] = []
  for (const column of all.slice(keep.length)) {
    if (current.length > 0 && tableWidth(spec, [...keep, ...current, column]) > width) {
      parts.push(current)
      current = []
    }
    current.push(column)
  }
  if (current.length > 0) parts.push(current)
  return parts
    .map((part) => {
      const columns = [...keep, ...part]
      if (part.length > 1 || tableWidth(spec, columns) <= width) return draw(spec, columns)
      // One column too wide beside the kept ones: wrap it into what is left.
      const kept = keep.map((c) => columnWidth(spec, c) + 2)
      const left = width - 1 - kept.reduce((sum, w) => sum + w + 1, 0) - 1
      return draw(spec, columns, [...kept, Math.max(12, left)])
    })
    .join('\n')
}

/**
 * `text` broken at spaces into lines of at most `width` columns (a word longer than that keeps
 * its own line); lines after the first are indented by two spaces.
 */
export function wrapText(text: string, width: number, indent = '  '): string {
  if (visibleWidth(text) <= width) return text
  const lines: string[] = []
  let line = ''
  for (const word of unbrokenWords(text)) {
    const candidate = line === '' ? word : `${line} ${word}`
    if (line !== '' && line.trim() !== '' && visibleWidth(candidate) > width) {
      lines.push(line)
      line = `${indent}${word}`
    } else line = candidate
  }
  lines.push(line)
  return lines.join('\n')
}

const UNIT = /^(µs|ms|s|%|B|KiB|MiB|GiB|\/s|k\/s|M\/s)[,.;:)]*$/

/** Words, a figure kept with its unit ("12.3 ms"), so a wrap never parts them. */
function unbrokenWords(text: string): string[] {
  const words: string[] = []
  for (const word of text.split(' ')) {
    const previous = words.at(-1)
    if (previous !== undefined && /\d$/.test(previous) && UNIT.test(word)) words[words.length - 1] = `${previous} ${word}`
    else words.push(word)
  }
  return words
}

/** `parts` joined by `separator`, a line broken only between parts (a part too long is wrapped). */
export function joinWrapped(parts: string[], separator: string, width: number, indent = '  '): string {
  const lines: string[] = []
  let line = ''
  for (const part of parts) {
    const candidate = line === '' ? part : `${line}${separator}${part}`
    if (line !== '' && visibleWidth(candidate) > width) {
      lines.push(`${line}${separator.trimEnd()}`)
      line = `${indent}${part}`
    } else line = candidate
  }
  lines.push(line)
  return lines.map((l) => wrapText(l, width, indent)).join('\n')
}
