// The value grammars behind the typed flags (src/flags.ts) and the syntaxes built on them. Each
// names the flag and the bad value in its message, e.g. `--count must be a whole number ≥ 1, got
// "abc"` (autocannon/p-queue style).
import type {StartPosition} from './drivers/types.js'
import {UsageError} from './errors.js'

export function parseInteger(flag: string, raw: string | number, options: {min?: number; max?: number} = {}): number {
  const min = options.min ?? Number.MIN_SAFE_INTEGER
  const max = options.max ?? Number.MAX_SAFE_INTEGER
  const text = String(raw).trim().replace(/_/g, '')
  const value = /^-?\d+$/.test(text) ? Number(text) : /^\d+(\.\d+)?[kKmM]$/.test(text) ? scaled(text) : Number.NaN
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(`--${flag} must be a whole number${rangeText(min, max)}, got "${raw}"`)
  }
  return value
}

function scaled(text: string): number {
  const factor = /[kK]$/.test(text) ? 1000 : 1_000_000
  return Math.round(Number(text.slice(0, -1)) * factor)
}

function rangeText(min: number, max: number): string {
  if (min > Number.MIN_SAFE_INTEGER && max < Number.MAX_SAFE_INTEGER) return ` from ${min} to ${max}`
  if (min > Number.MIN_SAFE_INTEGER) return ` ≥ ${min}`
  if (max < Number.MAX_SAFE_INTEGER) return ` ≤ ${max}`
  return ''
}

export function parseNumber(flag: string, raw: string | number, options: {min?: number; max?: number} = {}): number {
  const value = typeof raw === 'number' ? raw : Number(String(raw).trim())
  const min = options.min ?? -Infinity
  const max = options.max ?? Infinity
  if (String(raw).trim() === '' || !Number.isFinite(value) || value < min || value > max) {
    const range = min > -Infinity ? ` ≥ ${min}` : ''
    throw new UsageError(`--${flag} must be a number${range}${max < Infinity ? ` and ≤ ${max}` : ''}, got "${raw}"`)
  }
  return value
}

const DURATION_UNITS_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
}

/**
 * "250ms", "2s", "1.5m", "90" → milliseconds. The rule for every duration flag (README "Flags"):
 * a bare number is seconds. Flags whose bare number used to be milliseconds (--ttl, --expires,
 * --expiration, --work, --linger) pass 'unit', which refuses a bare number other than 0 rather
 * than let it change meaning silently. 'ms' is for values that are not durations of a flag of
 * their own but thresholds in a metric's unit (--assert p99<50).
 */
export function parseDurationMs(flag: string, raw: string | number, bareUnit: 'ms' | 's' | 'unit' = 's'): number {
  const text = String(raw).trim()
  const match = /^(\d+(?:\.\d+)?)\s*(ns|us|µs|ms|s|m|h)?$/.exec(text)
  if (!match) {
    throw new UsageError(`--${flag} must be a duration such as 500ms, 30s or 2m, got "${raw}"`)
  }
  if (match[2] === undefined && bareUnit === 'unit' && Number(match[1]) !== 0) {
    throw new UsageError(
      `--${flag} needs a unit, e.g. ${match[1]}ms or ${match[1]}s, got "${raw}" (a bare number here was milliseconds before; in mqkit's other duration flags it is seconds)`,
    )
  }
  const unit = match[2] ?? (bareUnit === 'unit' ? 'ms' : bareUnit)
  return Number(match[1]) * DURATION_UNITS_MS[unit]
}

const SIZE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1000,
  kb: 1000,
  kib: 1024,
  m: 1_000_000,
  mb: 1_000_000,
  mib: 1024 * 1024,
}

/** "1024", "1KiB", "4k", "1MiB" → bytes. */
export function parseBytes(flag: string, raw: string | number, options: {min?: number; max?: number} = {}): number {
  const text = String(raw).trim().toLowerCase()
  const match = /^(\d+(?:\.\d+)?)\s*(b|k|kb|kib|m|mb|mib)?$/.exec(text)
  const min = options.min ?? 0
  const max = options.max ?? 512 * 1024 * 1024
  const value = match ? Math.round(Number(match[1]) * SIZE_UNITS[match[2] ?? '']) : Number.NaN
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new UsageError(`--${flag} must be a size such as 1024, 1KiB or 4k (${min}..${max} bytes), got "${raw}"`)
  }
  return value
}

/** Backslash escapes in delimiters and --format text, as kcat reads them. */
export const BACKSLASH_ESCAPES: Readonly<Record<string, string>> = {n: '\n', t: '\t', r: '\r', '0': '\0', '\\': '\\'}

/** How the escapes are listed in help and messages. */
export const BACKSLASH_ESCAPES_TEXT = '\\n \\t \\r \\0 \\\\'

/**
 * A delimiter as typed (kcat -K): `\t` is a tab, `\n` a newline, `\0` NUL, `\\` a backslash,
 * so `--key-delimiter "\t"` works in any shell. Other text is taken as it is.
 */
export function parseDelimiter(flag: string, raw: string): string {
  let delimiter = ''
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] !== '\\') {
      delimiter += raw[i]
      continue
    }
    const next = raw[++i]
    const escaped = next === undefined ? undefined : BACKSLASH_ESCAPES[next]
    if (escaped === undefined) throw new UsageError(`--${flag}: unknown escape "\\${next ?? ''}" (known: ${BACKSLASH_ESCAPES_TEXT}), got "${raw}"`)
    delimiter += escaped
  }
  if (delimiter === '') throw new UsageError(`--${flag} must not be empty`)
  return delimiter
}

/** "k=v" pairs (repeatable flags) → object. Values stay strings. */
export function parseKeyValues(flag: string, pairs: readonly string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  for (const pair of pairs ?? []) {
    const at = pair.indexOf('=')
    if (at <= 0) throw new UsageError(`--${flag} must look like key=value, got "${pair}"`)
    out[pair.slice(0, at)] = pair.slice(at + 1)
  }
  return out
}

/**
 * Typed passthrough arguments: `x-max-length=10` → 10, `flag=true` → true,
 * `name=str:010` forces a string, `n=int:5` / `n=num:1.5` / `b=bool:false` force a type.
 */
export function parseTypedArgs(flag: string, pairs: readonly string[] | undefined): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {}
  for (const [key, value] of Object.entries(parseKeyValues(flag, pairs))) {
    const typed = /^(str|int|num|bool):(.*)$/s.exec(value)
    if (typed) {
      const [, type, body] = typed
      if (type === 'str') out[key] = body
      else if (type === 'bool') {
        if (body !== 'true' && body !== 'false') throw new UsageError(`--${flag} ${key}: bool must be true or false, got "${body}"`)
        out[key] = body === 'true'
      } else out[key] = type === 'int' ? parseInteger(`${flag} ${key}`, body) : parseNumber(`${flag} ${key}`, body)
    } else if (value === 'true' || value === 'false') out[key] = value === 'true'
    else if (/^-?\d+(\.\d+)?$/.test(value)) out[key] = Number(value)
    else out[key] = value
  }
  return out
}

/** --from beginning | end | OFFSET | @TIMESTAMP_MS | ISO date (2024-05-01T12:00:00Z). */
export function parseStartPosition(raw: string | undefined): StartPosition {
  if (raw === undefined) return {kind: 'default'}
  const text = raw.trim()
  if (/^(beginning|earliest|first)$/i.test(text)) return {kind: 'beginning'}
  if (/^(end|latest|last|next)$/i.test(text)) return {kind: 'end'}
  if (/^\d+$/.test(text)) return {kind: 'offset', offset: text}
  // kcat -o -N: the last N messages of each partition (Kafka).
  if (/^-\d+$/.test(text)) return {kind: 'offset', offset: text}
  if (/^@\d+$/.test(text)) return {kind: 'timestamp', epochMs: Number(text.slice(1))}
  if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
    const epochMs = Date.parse(text)
    if (Number.isFinite(epochMs)) return {kind: 'timestamp', epochMs}
  }
  throw new UsageError(`--from must be beginning, end, an offset, -N (the last N of each partition), @EPOCH_MS or an ISO date, got "${raw}"`)
}
