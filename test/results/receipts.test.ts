// --shared-queues integrity: every shard's receipts, serialized into its result and merged by
// `report merge`, state exactly what ONE tracker fed every shard's events would (receipts first,
// then the end-of-run drains, as in one process): a message received by two shards or received by
// one and drained by another is a duplicate, a confirmed one nobody received or drained is lost.
import {describe, expect, it} from 'vitest'
import {IntegrityTracker} from '../../src/bench/integrity.js'
import {encodeReceipts, mergedIntegrity} from '../../src/results/receipts.js'

type Event =
  | {kind: 'sent' | 'confirm' | 'inDoubt' | 'refused'; shard: number; producer: number; sequence: number}
  | {kind: 'receive'; shard: number; producer: number; sequence: number; redelivered: boolean; lane: number}
  | {kind: 'drain'; shard: number; producer: number; sequence: number}

/** A deterministic pseudo-random stream (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const SHARDS = 3
const PRODUCERS_PER_SHARD = 2
const MESSAGES = 3000

/** Every fate a message can have: the shard that produced it, who received it how often, who drained it. */
function stream(seed: number): Event[] {
  const rnd = random(seed)
  const pick = () => Math.floor(rnd() * SHARDS)
  const publishing: Event[] = []
  const receiving: Event[] = []
  const draining: Event[] = []
  const receipts = new Map<string, Set<number>>()
  for (let shard = 0; shard < SHARDS; shard++) {
    for (let p = 0; p < PRODUCERS_PER_SHARD; p++) {
      const producer = shard * PRODUCERS_PER_SHARD + p
      for (let sequence = 0; sequence < MESSAGES; sequence++) {
        publishing.push({kind: 'sent', shard, producer, sequence})
        const outcome = rnd()
        publishing.push({kind: outcome < 0.02 ? 'refused' : outcome < 0.05 ? 'inDoubt' : 'confirm', shard, producer, sequence})
        const fate = rnd()
        const receive = (by: number) => {
          const key = `${producer}/${sequence}`
          const seen = receipts.get(key) ?? new Set<number>()
          // A shard's own second delivery is flagged redelivered (the broker's flag); its first is not.
          receiving.push({kind: 'receive', shard: by, producer, sequence, redelivered: seen.has(by), lane: by * 10 + (sequence % 2)})
          seen.add(by)
          receipts.set(key, seen)
        }
        if (fate < 0.03) continue // lost (or, refused / in doubt, never arrived)
        if (fate < 0.06) {
          draining.push({kind: 'drain', shard: pick(), producer, sequence}) // left in the queue
          continue
        }
        receive(pick())
        if (fate < 0.1) receive(pick()) // a second delivery, in this or another shard
        if (fate > 0.97) draining.push({kind: 'drain', shard: pick(), producer, sequence}) // received, then drained again
        if (fate > 0.99) draining.push({kind: 'drain', shard: pick(), producer, sequence}) // and once more
      }
    }
  }
  // Receipts out of order now and then: a few swapped neighbours.
  for (let i = 1; i < receiving.length; i++) if (rnd() < 0.01) [receiving[i - 1], receiving[i]] = [receiving[i], receiving[i - 1]]
  return [...publishing, ...receiving, ...draining]
}

function feed(tracker: IntegrityTracker, e: Event): void {
  if (e.kind === 'sent') tracker.sent++
  else if (e.kind === 'confirm') tracker.onConfirm(e.producer, e.sequence)
  else if (e.kind === 'inDoubt') tracker.onInDoubt(e.producer, e.sequence)
  else if (e.kind === 'refused') tracker.publishErrors++
  else if (e.kind === 'receive') tracker.onReceive(e.producer, e.sequence, e.redelivered, e.lane)
  else tracker.onDrained(e.producer, e.sequence, false)
}

describe('shared-queue receipts: serialize, merge', () => {
  for (const seed of [1, 2, 3]) {
    it(`N shards' receipts merge to what one tracker fed every event states, every figure (seed ${seed})`, () => {
      const events = stream(seed)
      const one = new IntegrityTracker()
      for (const e of events) feed(one, e)
      one.drained = true
      const expected = one.figures(0)

      const shards = Array.from({length: SHARDS}, () => new IntegrityTracker())
      for (const e of events) feed(shards[e.shard], e)
      for (const s of shards) s.drained = true
      // Through JSON, as the result files carry them.
      const receipts = shards.map((s) => JSON.parse(JSON.stringify(encodeReceipts(s))))
      const merged = mergedIntegrity(receipts)
      expect(merged).toEqual(expected)
      // The stream has every case the merge must get right.
      expect(expected.duplicates).toBeGreaterThan(100)
      expect(expected.lost).toBeGreaterThan(50)
      expect(expected.leftInQueue).toBeGreaterThan(50)
      expect(expected.inDoubt).toBeGreaterThan(50)
      expect(expected.outOfOrder).toBeGreaterThan(0)
      expect(expected.redelivered).toBeGreaterThan(0)
      // Summing the shards' own figures would not do: cross-shard duplicates are invisible to each.
      expect(shards.reduce((n, s) => n + s.figures(0).duplicates, 0)).toBeLessThan(expected.duplicates)
    })
  }

  it('a shard whose drain did not finish makes lost an upper bound, and says why', () => {
    const shards = [new IntegrityTracker(), new IntegrityTracker()]
    shards[0].onConfirm(0, 0)
    shards[0].onConfirm(0, 1)
    shards[1].onReceive(0, 0, false)
    shards[0].drained = true
    const merged = mergedIntegrity(shards.map(encodeReceipts))
    expect(merged).toMatchObject({confirmed: 2, unique: 1, lost: 1})
    expect(merged.lostUnknown).toContain('did not read the shared queues empty')
    expect(merged.leftInQueueBy).toBeUndefined()
  })

  it('bitsets are carried compactly: 100,000 received messages in a few hundred bytes', () => {
    const tracker = new IntegrityTracker()
    for (let i = 0; i < 100_000; i++) tracker.onReceive(7, i, false)
    const encoded = encodeReceipts(tracker)
    expect(Object.keys(encoded.received)).toEqual(['7'])
    expect(encoded.received['7'].length).toBeLessThan(400)
  })
})
