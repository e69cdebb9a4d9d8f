import {describe, expect, it, onTestFinished} from 'vitest'
import {evaluateAssertions, formatAssertionValue, parseAssertion} from '../../src/results/assert.js'
import {parseRateSteps, parseWork} from '../../src/bench/options.js'
import {parseBenchOptions} from '../helpers/bench-flags.js'
import type {BenchResult} from '../../src/results/document.js'
import {
  FIELD_ACTUAL_NS,
  FIELD_INTENDED_NS,
  FIELD_KEY_INDEX,
  FIELD_PRODUCER,
  FIELD_SEQUENCE,
  hasStamp,
  readStamp,
  readStampFields,
  STAMP_BYTES,
  writeStamp,
} from '../../src/bench/message/stamp.js'
import {IntegrityTracker} from '../../src/bench/integrity.js'
import {formatStampHeader, readStampHeader} from '../../src/bench/message/stamp-header.js'
import {PayloadSource} from '../../src/bench/message/payload.js'
import {defaultBenchOptions, type BenchOptions} from '../../src/bench/options.js'
import {BenchRunner} from '../../src/bench/runner.js'
import {Producer, type ProducerSetup} from '../../src/bench/producer.js'
import {Measurements} from '../../src/bench/measurements.js'
import type {Driver} from '../../src/drivers/types.js'
import {DeliveryError, UsageError} from '../../src/errors.js'

describe('stamp', () => {
  it('round-trips producer, sequence beyond 32 bits, intended and actual ns (u64 little-endian)', () => {
    const body = Buffer.alloc(64, 0xff)
    const sequence = 2 ** 40 + 12345
    writeStamp(body, 7, sequence, 123_456_789_012_345, 2 ** 53 - 1, 3)
    expect(hasStamp(body)).toBe(true)
    expect(readStamp(body)).toEqual({producerId: 7, sequence, intendedSendNs: 123_456_789_012_345n, actualSendNs: 2n ** 53n - 1n, queueIndex: 3})
    // The same bytes BigInt writes give: the layout is plain u64 LE.
    expect(body.readBigUInt64LE(8)).toBe(BigInt(sequence))
    expect(body.readBigUInt64LE(24)).toBe(2n ** 53n - 1n)
    expect(body[STAMP_BYTES]).toBe(0xff) // payload after the stamp untouched
    expect(readStamp(Buffer.from('hello world, not a stamp, long enough to hold one'))).toBeUndefined()
    expect(hasStamp(Buffer.alloc(10))).toBe(false)
  })
})

describe('stamp in a header (stamp-header.ts)', () => {
  it('round-trips every field, numbers up to 2^53 − 1, with and without a key', () => {
    const into = new Float64Array(5)
    const text = formatStampHeader(7, 2 ** 53 - 1, 0, 123_456_789_012_345, 3, 11)
    expect(text).toBe(`1:7:${2 ** 53 - 1}:0:123456789012345:3:12`)
    expect(readStampHeader(text, into)).toBe(true)
    expect([...into]).toEqual([7, 2 ** 53 - 1, 0, 123_456_789_012_345, 11])
    expect(readStampHeader(formatStampHeader(0, 5, 9, 10, 0), into)).toBe(true)
    expect(into[FIELD_KEY_INDEX]).toBe(-1)
  })

  it('refuses anything that is not a well-formed version-1 stamp, leaving the output untouched', () => {
    const into = new Float64Array([1, 2, 3, 4, 5])
    for (const text of [
      undefined,
      '',
      '1',
      '2:7:1:0:1:0:0',
      '1:7:1:0:1:0',
      '1:7:1:0:1:0:0:9',
      '1:7::0:1:0:0',
      '1:7:x:0:1:0:0',
      '1:7:-1:0:1:0:0',
      `1:7:${2 ** 53}:0:1:0:0`,
      '1:7:1:0:1:0:0 ',
    ]) {
      expect({text, ok: readStampHeader(text, into)}).toEqual({text, ok: false})
    }
    expect([...into]).toEqual([1, 2, 3, 4, 5])
  })
})

describe('options', () => {
  it('parses rate steps, work specs and sizes', async () => {
    expect(parseRateSteps('1000:30s,5000:1m')).toEqual([
      {perSecond: 1000, durationMs: 30_000},
      {perSecond: 5000, durationMs: 60_000},
    ])
    expect(parseRateSteps('250')).toEqual([{perSecond: 250}])
    expect(() => parseRateSteps('1000,5000:1s')).toThrow(/need a duration except the last/)
    expect(parseWork('2ms')).toEqual({kind: 'fixed', ms: 2})
    expect(parseWork('1ms-3ms')).toEqual({kind: 'uniform', minMs: 1, maxMs: 3})
    expect(parseWork('exp:4ms')).toEqual({kind: 'exponential', meanMs: 4})
    const o = await parseBenchOptions({size: '1KiB', count: '10', producers: '2'})
    expect(o).toMatchObject({sizeBytes: 1024, maxSizeBytes: 1024, count: 10, producers: 2})
    expect(o.durationMs).toBeUndefined()
    expect((await parseBenchOptions({})).durationMs).toBe(10_000)
    expect((await parseBenchOptions({rate: '100:1s,200:2s'})).durationMs).toBeUndefined()
  })

  it('rejects bad values naming the flag', async () => {
    await expect(parseBenchOptions({size: '10'})).rejects.toThrow(/--size .*got "10"/)
    await expect(parseBenchOptions({count: '5', duration: '1s'})).rejects.toThrow(UsageError)
    await expect(parseBenchOptions({rate: 'fast'})).rejects.toThrow(/--rate must be a number/)
    await expect(parseBenchOptions({queues: '2', producers: '1', consumers: '2'})).rejects.toThrow(/--producers must be at least --queues/)
    await expect(parseBenchOptions({arrivals: 'poisson'})).rejects.toThrow(/needs --rate/)
    // --work-mode lists its choices (help, completion): oclif refuses any other before it is parsed.
    await expect(parseBenchOptions({'work-mode': 'yield'})).rejects.toThrow(/Expected --work-mode=yield to be one of: sleep, spin/)
    expect((await parseBenchOptions({})).workMode).toBe('sleep')
    expect((await parseBenchOptions({'work-mode': 'spin'})).workMode).toBe('spin')
  })
})

describe('integrity', () => {
  it('counts duplicates, out-of-order and lost exactly', () => {
    const t = new IntegrityTracker()
    for (let s = 0; s < 10; s++) t.onConfirm(0, s)
    for (const s of [0, 1, 3, 2, 3, 5, 9]) t.onReceive(0, s, false)
    const f = t.figures(1) // one still in the queue
    expect(f).toMatchObject({received: 7, unique: 6, duplicates: 1, outOfOrder: 1, lost: 3, leftInQueue: 1})
    expect(t.allConfirmedReceived).toBe(false)
  })
})

function resultWith(values: {p99: number; p99_9: number; rate: number; lost: number; duplicates: number}): BenchResult {
  const summary = {count: 1, mean: 1, stdev: 0, min: 1, p50: 1, p75: 1, p90: 1, p95: 1, p99: values.p99, p99_9: values.p99_9, p99_99: 1, max: 1}
  return {
    latency: {publish: summary, endToEnd: summary, endToEndCorrected: null, publishDelay: null, negativeClockSamples: 0},
    handling: {...summary, mean: 5},
    throughput: {published: {perSecond: values.rate}, consumed: {perSecond: values.rate}, targetPerSecond: null},
    integrity: {lost: values.lost, duplicates: values.duplicates, outOfOrder: 0, publishErrors: 0, leftInQueue: 0},
    queueLength: {max: 0, mean: 0},
  } as unknown as BenchResult
}

describe('--assert', () => {
  it('parses metrics, operators and units', () => {
    expect(parseAssertion('p99<50ms')).toMatchObject({metric: 'p99', operator: '<', threshold: 50})
    expect(parseAssertion('e2e.p99.9 < 0.2s')).toMatchObject({metric: 'e2e.p99.9', threshold: 200})
    expect(parseAssertion('throughput>=10000')).toMatchObject({operator: '>=', threshold: 10_000})
    expect(parseAssertion('lost==0')).toMatchObject({operator: '=', threshold: 0})
    expect(() => parseAssertion('p98<5ms')).toThrow(/unknown metric "p98"/)
    expect(() => parseAssertion('p99 50ms')).toThrow(/must look like/)
    expect(() => parseAssertion('lost=none')).toThrow(/needs a number/)
    // Names of Object.prototype's members are no metrics.
    for (const expression of ['e2e.constructor<5ms', 'constructor<5ms', 'tostring=1', 'handling.hasownproperty<1ms']) {
      expect(() => parseAssertion(expression), expression).toThrow(/unknown metric/)
    }
  })

  it('evaluates against a result; an absent metric fails', () => {
    const result = resultWith({p99: 40, p99_9: 250, rate: 12_000, lost: 0, duplicates: 2})
    const outcomes = evaluateAssertions(
      ['p99<50ms', 'e2e.p99.9<200ms', 'throughput>=10000', 'lost=0', 'duplicates=0', 'handling.mean<=5ms', 'corrected.p99<1s'].map(parseAssertion),
      result,
    )
    expect(outcomes.map((o) => o.passed)).toEqual([true, false, true, true, false, true, false])
    expect(outcomes[1].actual).toBe(250)
  })

  it('checks a broker failure: confirmed-lost, in-doubt and unavailable (a duration; n/a without an availability section)', () => {
    expect(parseAssertion('confirmed-lost=0')).toMatchObject({metric: 'confirmed-lost', operator: '=', threshold: 0})
    expect(parseAssertion('in-doubt<=100')).toMatchObject({metric: 'in-doubt', threshold: 100})
    expect(parseAssertion('unavailable<15s')).toMatchObject({metric: 'unavailable', operator: '<', threshold: 15_000})
    expect(parseAssertion('unavailable.total < 1.5m')).toMatchObject({threshold: 90_000})
    expect(parseAssertion('unavailable<800')).toMatchObject({threshold: 800}) // a bare number is ms, as for latencies
    expect(() => parseAssertion('unavailable<soon')).toThrow(/--assert unavailable must be a duration/)
    expect(() => parseAssertion('confirmed-lost=none')).toThrow(/needs a number/)
    const expressions = ['confirmed-lost=0', 'in-doubt=0', 'unavailable<15s', 'unavailable.total<15s']
    const plain = resultWith({p99: 1, p99_9: 1, rate: 1, lost: 2, duplicates: 0})
    const failed = {
      ...plain,
      integrity: {...plain.integrity, inDoubt: 7},
      availability: {unavailableMs: 16_000, totalUnavailableMs: 14_000},
    } as unknown as BenchResult
    const outcomes = evaluateAssertions(expressions.map(parseAssertion), failed)
    expect(outcomes.map((o) => [o.actual, o.passed])).toEqual([
      [2, false],
      [7, false],
      [16_000, false],
      [14_000, true],
    ])
    // A result from before the accounting (no inDoubt) reads 0 in doubt; without availability, unavailable is NaN and fails.
    const old = evaluateAssertions(expressions.map(parseAssertion), {...plain, integrity: {...plain.integrity, lost: 0}} as BenchResult)
    expect(old.map((o) => o.passed)).toEqual([true, true, false, false])
    expect(old[2].actual).toBeNaN()
    expect(formatAssertionValue('unavailable', old[2].actual)).toBe('n/a')
    expect(formatAssertionValue('unavailable', 6500)).toBe('6.50 s')
    expect(formatAssertionValue('confirmed-lost', 0)).toBe('0')
  })
})

describe('--payload, --key, --keys', () => {
  it('takes the payload size from the file, refuses --size with it, and names a missing file', async () => {
    const {mkdtempSync, rmSync, writeFileSync} = await import('node:fs')
    const {tmpdir} = await import('node:os')
    const path = await import('node:path')
    const dir = mkdtempSync(path.join(tmpdir(), 'mqkit-payload-'))
    onTestFinished(() => rmSync(dir, {recursive: true, force: true}))
    const file = path.join(dir, 'p.bin')
    writeFileSync(file, Buffer.from('hello payload'))
    expect(await parseBenchOptions({payload: file})).toMatchObject({payloadFile: file, sizeBytes: 40 + 13, maxSizeBytes: 40 + 13})
    await expect(parseBenchOptions({payload: file, size: '1KiB'})).rejects.toThrow(/--payload and --size/)
    await expect(parseBenchOptions({payload: `${file}.missing`})).rejects.toThrow(/--payload .*missing: cannot read \(ENOENT\)/)
    await expect(parseBenchOptions({key: 'a', keys: '3'})).rejects.toThrow(/--key and --keys/)
    await expect(parseBenchOptions({keys: '0'})).rejects.toThrow(/--keys/)
  })

  it('judges order per key: interleaved keys are not out of order, a step back within a key is', () => {
    const t = new IntegrityTracker()
    // Producer 0, keys 0 and 1 alternate; key 1's messages overtake key 0's (another partition).
    for (const [sequence, key] of [
      [1, 1],
      [3, 1],
      [0, 0],
      [2, 0],
      [5, 1],
      [4, 0],
    ])
      t.onReceive(0, sequence, false, key)
    expect(t.outOfOrder).toBe(0)
    t.onReceive(0, 3, true, 1) // duplicate: not an order fault
    t.onReceive(0, 6, false, 0)
    t.onReceive(0, 8, false, 0)
    t.onReceive(0, 7, false, 1) // key 1 highest was 5: fine
    t.onReceive(0, 9, false, 1)
    t.onReceive(0, 11, false, 0)
    t.onReceive(0, 10, false, 0) // key 0: 10 after 11
    expect(t.outOfOrder).toBe(1)
    expect(t.duplicates).toBe(1)
  })
})

describe('recycled bodies (memory://)', () => {
  it('reuses a body only once it came back from this source while out; payload bytes stay intact', () => {
    const payload = new PayloadSource(Buffer.from('abc'), 64, 64)
    payload.recycle = true
    const a = payload.next()
    const b = payload.next()
    expect(a).not.toBe(b)
    expect(a.subarray(STAMP_BYTES, STAMP_BYTES + 6).toString()).toBe('abcabc')
    writeStamp(a, 1, 2, 0, 3, 0)
    payload.release(a)
    payload.release(a) // a second release of the same hand-out is ignored
    payload.release(Buffer.alloc(64)) // not ours
    const other = new PayloadSource(Buffer.from('x'), 64, 64)
    other.recycle = true
    payload.release(other.next()) // another source's
    expect(payload.next()).toBe(a) // reused...
    expect(payload.next()).not.toBe(a) // ...once only
    expect(a.subarray(STAMP_BYTES, STAMP_BYTES + 6).toString()).toBe('abcabc')
    payload.release(b)
    payload.recycle = false
    expect(payload.next()).not.toBe(b) // off: fresh bodies, released ones dropped
    const varying = new PayloadSource(Buffer.from('v'), 64, 128)
    varying.recycle = true // variable sizes are never recycled
    const first = varying.next()
    varying.release(first)
    expect(varying.next()).not.toBe(first)
  })

  it('writes and reads the stamp of a recycled body (word view) with the same bytes as any other body', () => {
    const payload = new PayloadSource(Buffer.from('p'), 64, 64)
    payload.recycle = true
    const recycled = payload.next()
    const plain = Buffer.alloc(64, 0x70)
    for (const [sequence, intended, actual, key] of [
      [2 ** 40 + 12345, 123_456_789_012_345, 2 ** 53 - 1, 4],
      [0, 0, 1, -1],
      [2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, 0],
    ]) {
      writeStamp(recycled, 7, sequence, intended, actual, 3, key)
      writeStamp(plain, 7, sequence, intended, actual, 3, key)
      expect(recycled.equals(plain)).toBe(true)
      for (const body of [recycled, plain]) {
        const fields = new Float64Array(5)
        expect(readStampFields(body, fields)).toBe(true)
        expect([fields[FIELD_PRODUCER], fields[FIELD_SEQUENCE], fields[FIELD_INTENDED_NS], fields[FIELD_ACTUAL_NS], fields[FIELD_KEY_INDEX]]).toEqual([
          7,
          sequence,
          intended,
          actual,
          key,
        ])
      }
    }
    recycled.fill(0, 0, 4) // no magic: not a stamp
    expect(readStampFields(recycled, new Float64Array(5))).toBe(false)
    expect(readStampFields(Buffer.from('short'), new Float64Array(5))).toBe(false)
  })

  it('keeps every figure exact with bodies recycled across producers and consumers', async () => {
    const count = 60_000
    const runner = new BenchRunner(defaultBenchOptions({count, producers: 3, consumers: 2, prefetch: 10, confirmWindow: 200, intervalMs: 100}), {
      url: 'memory://',
      clientName: 'test',
      mqkitVersion: 'test',
    })
    const result = await runner.run()
    expect(result.integrity).toMatchObject({sent: count, confirmed: count, received: count, unique: count, duplicates: 0, outOfOrder: 0, lost: 0, foreign: 0})
    expect(result.latency.endToEnd.count).toBe(count)
    expect(result.latency.publish.count).toBe(count)
    // A body overwritten while still queued would show as a latency far outside the run.
    expect(result.latency.endToEnd.max).toBeLessThan(result.meta.elapsedMs)
    expect(result.handling.count).toBe(count)
  })
})

/** One producer on `driver` with the rest of its setup made up: the whole count is its quota. */
function testProducer(driver: Driver, options: BenchOptions, setup: Partial<ProducerSetup> & Pick<ProducerSetup, 'payload' | 'releaseOnConfirm'>): Producer {
  return new Producer({
    driver,
    producerId: 0,
    producers: 1,
    queue: 'q',
    queueIndex: 0,
    options,
    measurements: new Measurements(0, false),
    integrity: new IntegrityTracker(),
    quota: options.count,
    startNs: 0,
    stampInHeader: false,
    stopped: () => false,
    fail: (error) => {
      throw error
    },
    ...setup,
  })
}

describe('bodies given back on confirm (network drivers)', () => {
  it('reuses a body only after its publish was confirmed, never one still in flight, and not after a failure', async () => {
    const inFlight = new Set<Buffer>()
    const seen = new Set<Buffer>()
    const failed = new Set<Buffer>()
    const settle: Array<() => void> = []
    let publishes = 0
    let reusedInFlight = 0
    let reusedFailed = 0
    // Confirms arrive in bursts a turn later, as from a socket; every 97th publish fails.
    const driver = {
      publish: (_queue: string, message: {body: Buffer}) => {
        const body = message.body
        if (inFlight.has(body)) reusedInFlight++
        if (failed.has(body)) reusedFailed++
        inFlight.add(body)
        seen.add(body)
        const fail = ++publishes % 97 === 0
        return new Promise<void>((resolve, reject) => {
          settle.push(() => {
            inFlight.delete(body)
            if (fail) {
              failed.add(body)
              reject(new DeliveryError('nacked', {reason: 'nacked'}))
            } else resolve()
          })
          if (settle.length === 1)
            setImmediate(() => {
              for (const run of settle.splice(0)) run()
            })
        })
      },
    } as unknown as Driver
    const window = 50
    const integrity = new IntegrityTracker()
    const payload = PayloadSource.random(64, 64)
    payload.recycle = true // as the runner sets it
    const producer = testProducer(driver, defaultBenchOptions({count: 5000, confirmWindow: window}), {integrity, payload, releaseOnConfirm: true})
    await producer.run()
    expect(publishes).toBe(5000)
    expect(integrity.publishErrors).toBe(Math.floor(5000 / 97))
    expect(reusedInFlight).toBe(0)
    expect(reusedFailed).toBe(0)
    // Reused: about one confirm window of bodies (plus the failed ones, which are not), not 5000.
    expect(seen.size).toBeLessThanOrEqual(window + failed.size + 1)
  })
})
