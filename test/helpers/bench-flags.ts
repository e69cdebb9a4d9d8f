// Bench's flags parsed as the command parses them (oclif's parser over Bench.flags, typed by
// src/flags.ts), for unit tests of what flags become. A bad value's error carries the message
// `mqkit:` prints (errorLine takes oclif's wrapping off the same way).
import {Parser} from '@oclif/core'
import {benchOptionsFrom, type BenchOptions} from '../../src/bench/options.js'
import Bench, {benchOptionsGiven} from '../../src/commands/bench.js'
import {flagParseMessage} from '../../src/output/error-line.js'

/** Flag name → value as typed (`true` for a boolean flag, an array for a repeated one). */
export type GivenFlags = Record<string, string | true | string[]>

export async function benchFlags(given: GivenFlags) {
  const argv = Object.entries(given).flatMap(([name, value]) =>
    value === true ? [`--${name}`] : (Array.isArray(value) ? value : [value]).map((item) => `--${name}=${item}`),
  )
  try {
    return (await Parser.parse(argv, {flags: Bench.flags})).flags
  } catch (error) {
    ;(error as Error).message = flagParseMessage((error as Error).message)
    throw error
  }
}

/** The options `mqkit bench` runs with for these flags. */
export async function parseBenchOptions(given: GivenFlags): Promise<BenchOptions> {
  return benchOptionsFrom(benchOptionsGiven(await benchFlags(given)))
}
