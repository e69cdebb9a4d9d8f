// Typed flags: every value that is more than a string (durations, byte sizes, whole numbers in a
// range, rates, assertion expressions, ...) is parsed here, once, where it enters, so a command's
// `flags` are already typed. The grammars and their messages live in the parsers these call
// (src/flag-grammars.ts and the modules that own a syntax); a bad value is a UsageError naming the
// flag and the value (exit 2). oclif wraps an error thrown here in a "Parsing --flag" preamble,
// which errorLine (src/output/error-line.ts) takes off again so the message reads as it is thrown.
import {Args, Flags} from '@oclif/core'
import {parseRateSteps, parseSize, parseWork, type RateStep, type WorkSpec} from './bench/options.js'
import {parsePlanSlo, type PlanSlo} from './capacity/plan.js'
import {parseSlo} from './capacity/slo.js'
import {parseSweep, type SweepPoint} from './capacity/sweep.js'
import type {StartPosition} from './drivers/types.js'
import {UsageError} from './errors.js'
import {parseBytes, parseDelimiter, parseDurationMs, parseInteger, parseNumber, parseStartPosition} from './flag-grammars.js'
import {parseAssertion, type Assertion} from './results/assert.js'
import {redactUrl, SUPPORTED_SCHEMES} from './url.js'

/** Bounds of a numeric flag (a type alias: oclif's custom options need an index signature). */
type Range = {min?: number; max?: number}

/**
 * A duration in milliseconds. A bare number is seconds; `bareUnit: 'unit'` refuses a bare number
 * other than 0 (flags whose bare number was once milliseconds). `positive` refuses 0, `minMs` less.
 */
export const durationFlag = Flags.custom<number, {bareUnit?: 's' | 'unit'; positive?: boolean; minMs?: number}>({
  parse: async (input, _context, options) => {
    const ms = parseDurationMs(options.name, input, options.bareUnit ?? 's')
    if (options.positive === true && ms <= 0) throw new UsageError(`--${options.name} must be longer than 0, got "${input}"`)
    if (options.minMs !== undefined && ms < options.minMs) throw new UsageError(`--${options.name} must be at least ${options.minMs}ms, got "${input}"`)
    return ms
  },
})

/** A whole number within `min`..`max` (1_000, 5k and 2M are read too). */
export const integerFlag = Flags.custom<number, Range>({
  parse: async (input, _context, options) => parseInteger(options.name, input, {min: options.min, max: options.max}),
})

/** A number within `min`..`max`. */
export const numberFlag = Flags.custom<number, Range>({
  parse: async (input, _context, options) => parseNumber(options.name, input, {min: options.min, max: options.max}),
})

/** A size in bytes: 1024, 4k, 1KiB, 1MiB. */
export const bytesFlag = Flags.custom<number, Range>({
  parse: async (input, _context, options) => parseBytes(options.name, input, {min: options.min, max: options.max}),
})

/** A rate in msg/s, "/s" allowed after the number: 500 or 500/s. */
export const rateFlag = Flags.custom<number, Range>({
  parse: async (input, _context, options) => parseNumber(options.name, input.trim().replace(/\/s$/, ''), {min: options.min, max: options.max}),
})

/** An open-loop schedule: a constant rate or steps 1000:30s,5000:30s (bench --rate). */
export const rateStepsFlag = Flags.custom<RateStep[]>({
  parse: async (input) => parseRateSteps(input),
})

/** A message size or a uniform range of sizes, each holding the 40-byte timing stamp: 1KiB, 512-4KiB. */
export const sizeRangeFlag = Flags.custom<{sizeBytes: number; maxSizeBytes: number}>({
  parse: async (input) => parseSize(input),
})

/** Simulated handling time: 2ms, 1ms-3ms, exp:2ms, or 0 for none; `planning` refuses none (plan calibrates with it). */
export const workFlag = Flags.custom<WorkSpec, {planning?: boolean}>({
  parse: async (input, _context, options) => {
    const work = parseWork(input)
    if (options.planning === true && work.kind === 'none')
      throw new UsageError(`--${options.name} must be a handling time longer than 0 to plan with, got "${input}"`)
    return work
  },
})

/** An --assert expression: p99<50ms, throughput>=10000, lost=0. */
export const assertionFlag = Flags.custom<Assertion>({
  parse: async (input) => parseAssertion(input),
})

/** A capacity SLO: the --assert syntax, latencies read as the corrected ones. */
export const sloFlag = Flags.custom<Assertion>({
  parse: async (input) => parseSlo(input),
})

/** plan --slo: an upper bound on end-to-end latency's mean or a percentile. */
export const planSloFlag = Flags.custom<PlanSlo>({
  parse: async (input) => parsePlanSlo(input),
})

/** --sweep: rates or shares of the maximum, 25%,50%,100% or 1000,2000. */
export const sweepFlag = Flags.custom<SweepPoint[]>({
  parse: async (input) => parseSweep(input),
})

/** A share: "5%" or "0.05" (bench --precision). */
export const shareFlag = Flags.custom<number>({
  parse: async (input, _context, options) => {
    const text = input.trim()
    return text.endsWith('%')
      ? parseNumber(options.name, text.slice(0, -1), {min: 0.1, max: 50}) / 100
      : parseNumber(options.name, text, {min: 0.001, max: 0.5})
  },
})

/** A delimiter with kcat's backslash escapes: "\t" is a tab. */
export const delimiterFlag = Flags.custom<string>({
  parse: async (input, _context, options) => parseDelimiter(options.name, input),
})

/** consume --from: beginning, end, an offset, -N, @EPOCH_MS or an ISO date. */
export const startPositionFlag = Flags.custom<StartPosition>({
  parse: async (input) => parseStartPosition(input),
})

/** Kafka acknowledgements per publish, by name (ACKS_CODES maps a name to Kafka's code). */
export const acksFlag = Flags.custom<'all' | 'leader' | 'none'>({
  options: ['all', 'leader', 'none'],
  parse: async (input) => input as 'all' | 'leader' | 'none',
})

/**
 * A queue, topic or exchange name. One written as a connection URL (`kafka://host:9092/topic`, as
 * kcat users might) is refused: taken as a name it would be a queue called "kafka://…" on the
 * default backend, the local store, not the broker the user meant.
 */
export function refuseUrlAsName(name: string): string {
  const scheme = SUPPORTED_SCHEMES.find((s) => name.toLowerCase().startsWith(s))
  if (scheme === undefined) return name
  // kafka://host:9092/topic → --url kafka://host:9092 topic (an amqp:// path is the vhost, a file: URL a path).
  const rest = name.slice(scheme.length)
  const slash = scheme === 'kafka://' ? rest.indexOf('/') : -1
  const suggestion = slash > 0 && slash < rest.length - 1 ? `--url ${scheme}${rest.slice(0, slash)} ${rest.slice(slash + 1)}` : `--url ${name} NAME`
  throw new UsageError(
    `"${redactUrl(name)}" is a URL, not a queue or topic name: give the broker with --url (or MQKIT_URL) and the name on its own: ${redactUrl(suggestion)}`,
  )
}

/** A positional queue/topic name (see refuseUrlAsName). */
export const queueNameArg = Args.custom<string>({parse: async (input) => refuseUrlAsName(input)})
