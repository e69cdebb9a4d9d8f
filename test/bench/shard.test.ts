// bench --shard I/N: the flags, the split of one workload over N shards, and producer ids that no
// two shards or attempts of a run share.
import {describe, expect, it} from 'vitest'
import {UsageError} from '../../src/errors.js'
import {defaultBenchOptions, type BenchOptions} from '../../src/bench/options.js'
import type {ShardSpec} from '../../src/bench/options.js'
import {parseShard, parseStartAt, producerIdOf, queueSlotBase, shardOptions, shares, withShardDefaults} from '../../src/bench/shard.js'

const spec = (index: number, count: number, attempt = 0, sharedQueues = false): ShardSpec => ({runId: 'r1', index, count, attempt, startAtMs: 0, sharedQueues})
const sum = (values: number[]) => values.reduce((a, b) => a + b, 0)
const usage = (run: () => unknown) => {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError)
    return (error as Error).message
  }
  throw new Error('no usage error')
}

describe('parseShard', () => {
  it('is undefined for an ordinary run, and refuses shard-only flags without --shard', () => {
    expect(parseShard({}, {})).toBeUndefined()
    expect(usage(() => parseShard({'run-id': 'x'}, {}))).toBe('--run-id belongs to a sharded run: give --shard I/N (or --shards N in an Indexed Job) too')
  })

  it('reads --shard I/N, --run-id, --attempt and --start-at', () => {
    expect(parseShard({shard: '2/4', 'run-id': 'nightly-42', attempt: '1', 'start-at': '2026-05-01T12:00:00Z'}, {})).toEqual({
      runId: 'nightly-42',
      index: 2,
      count: 4,
      attempt: 1,
      startAtMs: Date.parse('2026-05-01T12:00:00Z'),
      sharedQueues: false,
    })
    // Default start: now; default attempt: 0.
    expect(parseShard({shard: '0/1', 'run-id': 'r'}, {}, 1234)).toMatchObject({attempt: 0, startAtMs: 1234})
  })

  it('takes the index from JOB_COMPLETION_INDEX with --shards N (a Kubernetes Indexed Job)', () => {
    expect(parseShard({shards: '4', 'run-id': 'r'}, {JOB_COMPLETION_INDEX: '3'})).toMatchObject({index: 3, count: 4})
    expect(usage(() => parseShard({shards: '4', 'run-id': 'r'}, {}))).toContain("--shards 4 needs this shard's index")
    expect(usage(() => parseShard({shards: '4', 'run-id': 'r'}, {JOB_COMPLETION_INDEX: '4'}))).toBe(
      'JOB_COMPLETION_INDEX must be a whole number below --shards (4), got "4"',
    )
  })

  it('refuses a bad index, count, run id or time in one line naming the flag', () => {
    expect(usage(() => parseShard({shard: '4/4', 'run-id': 'r'}, {}))).toBe('--shard index must be below the count (indexes run from 0), got "4/4"')
    expect(usage(() => parseShard({shard: '1', 'run-id': 'r'}, {}))).toContain('--shard must be INDEX/COUNT')
    expect(usage(() => parseShard({shard: '1/4', shards: '3', 'run-id': 'r'}, {}))).toBe('--shards 3 disagrees with --shard 1/4')
    expect(usage(() => parseShard({shard: '1/4'}, {}))).toContain('--shard needs --run-id')
    expect(usage(() => parseShard({shard: '1/4', 'run-id': 'a b'}, {}))).toContain('--run-id must be 1 to 64 letters')
    expect(usage(() => parseShard({shard: '1/4', 'run-id': 'r', attempt: '-1'}, {}))).toContain('--attempt must be a whole number')
    expect(usage(() => parseStartAt('tomorrow'))).toContain('--start-at must be')
  })

  it('--shared-queues: only with --shard, and with --start-at (the origin of the shards’ common latency clock)', () => {
    expect(parseShard({shard: '1/4', 'run-id': 'r', 'start-at': '1777636800', 'shared-queues': true}, {})).toMatchObject({sharedQueues: true})
    expect(usage(() => parseShard({'shared-queues': true}, {}))).toBe(
      '--shared-queues belongs to a sharded run: give --shard I/N (or --shards N in an Indexed Job) too',
    )
    expect(parseShard({'shared-queues': false}, {})).toBeUndefined()
    expect(usage(() => parseShard({shard: '1/4', 'run-id': 'r', 'shared-queues': true}, {}))).toBe(
      '--shared-queues needs --start-at TIME, the same for every shard: the shards time their messages from it',
    )
  })

  it('--start-at: seconds (date +%s), milliseconds (Date.now()) or ISO', () => {
    expect(parseStartAt('1777636800')).toBe(1_777_636_800_000)
    expect(parseStartAt('1777636800.25')).toBe(1_777_636_800_250)
    expect(parseStartAt('1777636800123')).toBe(1_777_636_800_123)
    expect(parseStartAt('2026-05-01T12:00:00.500+02:00')).toBe(Date.parse('2026-05-01T10:00:00.500Z'))
  })
})

describe('shardOptions', () => {
  const whole = defaultBenchOptions({
    producers: 10,
    consumers: 7,
    queues: 5,
    count: 100_003,
    rate: [{perSecond: 1000, durationMs: 5000}, {perSecond: 3000}],
    queueName: 'q',
  })
  const parts = (options: BenchOptions, n: number, attempt = 0) => Array.from({length: n}, (_, i) => shardOptions(options, spec(i, n, attempt)))

  it('the shards together make the whole workload: producers, consumers, queues, count and each rate step add up', () => {
    for (const n of [1, 2, 3, 5, 7]) {
      const shards = parts(whole, n)
      expect(sum(shards.map((s) => s.producers)), `n=${n}`).toBe(10)
      expect(sum(shards.map((s) => s.consumers))).toBe(7)
      expect(sum(shards.map((s) => s.queues))).toBe(Math.max(5, n))
      expect(sum(shards.map((s) => s.count!))).toBe(100_003)
      for (const step of [0, 1]) expect(sum(shards.map((s) => s.rate![step].perSecond))).toBeCloseTo(whole.rate![step].perSecond, 9)
      // Step lengths and every other setting are the whole run's.
      for (const s of shards)
        expect({...s, producers: 0, consumers: 0, queues: 0, count: 0, rate: s.rate!.map((r) => r.durationMs), queueName: '', shard: undefined}).toEqual({
          ...whole,
          producers: 0,
          consumers: 0,
          queues: 0,
          count: 0,
          rate: [5000, undefined],
          queueName: '',
          shard: undefined,
        })
    }
  })

  it("each producer sends what it would in one process: a shard's count is its producers' shares of --count", () => {
    const perProducer = shares(100_003, 10)
    const shards = parts(whole, 3)
    expect(shards.map((s) => s.count)).toEqual([sum(perProducer.slice(0, 4)), sum(perProducer.slice(4, 7)), sum(perProducer.slice(7))])
    // And its rate: the same msg/s per producer as in one process.
    for (const s of shards) expect(s.rate![0].perSecond / s.producers).toBeCloseTo(1000 / 10, 9)
  })

  it('each shard has queues of its own, named after --queue (or the run id) and its index', () => {
    const shards = parts(whole, 3)
    expect(shards.map((s) => s.queueName)).toEqual(['q-s0', 'q-s1', 'q-s2'])
    expect(shardOptions(defaultBenchOptions({producers: 2, consumers: 2}), spec(1, 2)).queueName).toBe('mqkit-bench-r1-s1')
  })

  it('producer ids are distinct over every shard and attempt of a run, and fit the stamp’s u32', () => {
    const seen = new Map<number, string>()
    for (const n of [1, 3, 4]) {
      seen.clear()
      for (let attempt = 0; attempt < 4; attempt++) {
        for (const s of parts(whole, n, attempt)) {
          for (let local = 0; local < s.producers; local++) {
            const id = producerIdOf(s.shard, local)
            const who = `shard ${s.shard!.index} attempt ${attempt} producer ${local}`
            expect(seen.get(id), `${who} has the id of ${seen.get(id)}`).toBeUndefined()
            expect(id).toBeLessThan(2 ** 32)
            seen.set(id, who)
          }
        }
      }
      expect(seen.size).toBe(10 * 4)
    }
    // A retry of shard 1 (attempt 1) shares no id with attempt 0 of any shard.
    const first = parts(whole, 4, 0).flatMap((s) => Array.from({length: s.producers}, (_, i) => producerIdOf(s.shard, i)))
    const retry = shardOptions(whole, spec(1, 4, 1))
    expect(Array.from({length: retry.producers}, (_, i) => producerIdOf(retry.shard, i)).filter((id) => first.includes(id))).toEqual([])
    expect(usage(() => shardOptions(whole, spec(0, 2, 2 ** 31)))).toContain('runs out of 32-bit producer ids')
  })

  it('--shared-queues: one set of queues, and every producer and consumer on the queue its run-wide index gets in one process', () => {
    const n = 3
    const shards = Array.from({length: n}, (_, i) => shardOptions(whole, spec(i, n, 0, true)))
    expect(shards.map((s) => [s.queueName, s.queues])).toEqual([
      ['q', 5],
      ['q', 5],
      ['q', 5],
    ])
    // Producer i and consumer j of the run sit on queue i mod 5 and j mod 5, whichever shard runs them.
    const producerQueues = shards.flatMap((s) => Array.from({length: s.producers}, (_, i) => (queueSlotBase(s.shard).producer + i) % s.queues))
    const consumerQueues = shards.flatMap((s) => Array.from({length: s.consumers}, (_, i) => (queueSlotBase(s.shard).consumer + i) % s.queues))
    expect(producerQueues).toEqual(Array.from({length: 10}, (_, i) => i % 5))
    expect(consumerQueues).toEqual(Array.from({length: 7}, (_, i) => i % 5))
    // Own queues: the shard's local indexes on its own queues.
    expect(queueSlotBase(shardOptions(whole, spec(2, n)).shard)).toEqual({producer: 0, consumer: 0})
    expect(shardOptions(defaultBenchOptions({producers: 2, consumers: 2}), spec(1, 2, 0, true)).queueName).toBe('mqkit-bench-r1')
    expect(usage(() => shardOptions(defaultBenchOptions({producers: 4, consumers: 0}), spec(0, 4, 0, true)))).toBe(
      '--shared-queues: --consumers must be at least the shard count (4): every shard consumes from the shared queues, got "0"',
    )
    expect(usage(() => shardOptions(defaultBenchOptions({producers: 4, consumers: 4, workers: 2}), spec(0, 4, 0, true)))).toContain(
      'cannot be combined with --workers 2',
    )
  })

  it('producers and consumers not given are one per shard', () => {
    expect(withShardDefaults({}, spec(0, 4))).toEqual({producers: 4, consumers: 4})
    expect(withShardDefaults({producers: 8, consumers: 0}, spec(0, 4))).toEqual({producers: 8, consumers: 0})
    expect(withShardDefaults({}, undefined)).toEqual({})
  })

  it('refuses a split that leaves a shard without a producer, a consumer or a message', () => {
    expect(usage(() => shardOptions(defaultBenchOptions({producers: 3}), spec(0, 4)))).toBe(
      '--producers must be at least the shard count (4): every shard produces, got "3"',
    )
    expect(usage(() => shardOptions(defaultBenchOptions({producers: 4, consumers: 2}), spec(0, 4)))).toContain(
      '--consumers must be 0 or at least the shard count (4)',
    )
    expect(shardOptions(defaultBenchOptions({producers: 4, consumers: 0}), spec(3, 4)).consumers).toBe(0)
    expect(usage(() => shardOptions(defaultBenchOptions({producers: 4, consumers: 4, count: 3}), spec(3, 4)))).toContain(
      '--count 3 is fewer messages than shard 3 of 4 has producers',
    )
  })
})
