// The typed flags of src/flags.ts, parsed the way a command parses them (oclif's parser), and the
// one message a bad value becomes (errorLine takes oclif's "Parsing --flag" wrapping off).
import {Parser} from '@oclif/core'
import {describe, expect, it} from 'vitest'
import {UsageError} from '../src/errors.js'
import {
  acksFlag,
  assertionFlag,
  bytesFlag,
  delimiterFlag,
  durationFlag,
  integerFlag,
  numberFlag,
  rateFlag,
  rateStepsFlag,
  shareFlag,
  sizeRangeFlag,
  startPositionFlag,
  workFlag,
} from '../src/flags.js'
import {errorLine} from '../src/output/error-line.js'

const flags = {
  count: integerFlag({min: 1}),
  priority: integerFlag({min: 0, max: 255}),
  ratio: numberFlag({min: 0}),
  size: bytesFlag({min: 0}),
  range: sizeRangeFlag(),
  timeout: durationFlag(),
  interval: durationFlag({positive: true}),
  ttl: durationFlag({bareUnit: 'unit'}),
  rate: rateStepsFlag(),
  'max-rate': rateFlag({min: 0.1}),
  precision: shareFlag(),
  work: workFlag(),
  assert: assertionFlag({multiple: true}),
  delim: delimiterFlag(),
  from: startPositionFlag(),
  acks: acksFlag(),
}

async function parse(argv: string[]) {
  return (await Parser.parse(argv, {flags})).flags
}

/** The message a bad value ends in, as `mqkit:` prints it, and that it is a usage error (exit 2). */
async function failure(argv: string[]): Promise<string> {
  try {
    await parse(argv)
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError)
    return errorLine(error as Error, {bin: 'mqkit', commandId: 'x'})
  }
  throw new Error(`${argv.join(' ')} parsed`)
}

describe('typed flags', () => {
  it('give typed values', async () => {
    expect(
      await parse([
        '--count=5k',
        '--priority=9',
        '--ratio=0.5',
        '--size=1KiB',
        '--range=512-4KiB',
        '--timeout=2',
        '--interval=250ms',
        '--ttl=0',
        '--rate=100:1s,200',
        '--max-rate=500/s',
        '--precision=5%',
        '--work=exp:2ms',
        '--assert=p99<50ms',
        '--assert=lost=0',
        '--delim=\\t',
        '--from=@1000',
        '--acks=leader',
      ]),
    ).toMatchObject({
      count: 5000,
      priority: 9,
      ratio: 0.5,
      size: 1024,
      range: {sizeBytes: 512, maxSizeBytes: 4096},
      timeout: 2000,
      interval: 250,
      ttl: 0,
      rate: [{perSecond: 100, durationMs: 1000}, {perSecond: 200}],
      'max-rate': 500,
      precision: 0.05,
      work: {kind: 'exponential', meanMs: 2},
      assert: [{expression: 'p99<50ms'}, {expression: 'lost=0'}],
      delim: '\t',
      from: {kind: 'timestamp', epochMs: 1000},
      acks: 'leader',
    })
  })

  it('leave a flag that is not given undefined', async () => {
    expect(await parse([])).toEqual({})
  })

  it('refuse a bad value with one message naming the flag and the value', async () => {
    expect(await failure(['--count=abc'])).toBe('--count must be a whole number ≥ 1, got "abc"')
    expect(await failure(['--priority=300'])).toBe('--priority must be a whole number from 0 to 255, got "300"')
    expect(await failure(['--ratio=-1'])).toBe('--ratio must be a number ≥ 0, got "-1"')
    expect(await failure(['--size=lots'])).toMatch(/^--size must be a size such as 1024, 1KiB or 4k .*got "lots"$/)
    expect(await failure(['--range=10'])).toMatch(/^--size .*got "10"$/)
    expect(await failure(['--timeout=soon'])).toBe('--timeout must be a duration such as 500ms, 30s or 2m, got "soon"')
    expect(await failure(['--interval=0s'])).toBe('--interval must be longer than 0, got "0s"')
    expect(await failure(['--ttl=5'])).toMatch(/^--ttl needs a unit, e\.g\. 5ms or 5s, got "5"/)
    expect(await failure(['--rate=fast'])).toMatch(/^--rate must be a number/)
    expect(await failure(['--max-rate=0'])).toBe('--max-rate must be a number ≥ 0.1, got "0"')
    expect(await failure(['--precision=90%'])).toBe('--precision must be a number ≥ 0.1 and ≤ 50, got "90"')
    expect(await failure(['--work=5'])).toMatch(/^--work needs a unit/)
    expect(await failure(['--assert=p99 is low'])).toBe('--assert must look like p99<50ms, throughput>=10000 or lost=0, got "p99 is low"')
    expect(await failure(['--delim=\\q'])).toMatch(/^--delim: unknown escape/)
    expect(await failure(['--from=yesterday'])).toMatch(/^--from must be beginning, end/)
  })
})
