// Lane (a partition's unsettled deliveries, in hand-out order) against a plain array model: the same
// size and the same answer to find() after every operation, over random runs of in-order and
// out-of-order settlements, repeated removes, duplicates of one offset, and a delivery held
// unsettled while thousands after it settle (the compaction path).
import {describe, expect, it} from 'vitest'
import {Lane} from '../../../../src/drivers/kafka/consume/lane.js'

interface Entry {
  offsetNumber: number
  slot: number
}

const entry = (offset: number): Entry => ({offsetNumber: offset, slot: -1})

function seededRandom(seed: number): () => number {
  let state = seed
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648
    return state / 2_147_483_648
  }
}

describe('Lane', () => {
  it('in-order settlements empty it; find sees only unsettled entries, the first handed out', () => {
    const lane = new Lane<Entry>()
    const entries = Array.from({length: 5}, (_, i) => entry(10 + i))
    for (const e of entries) lane.add(e)
    const again = entry(12) // a redelivery of 12 handed out while the first is still unsettled
    lane.add(again)
    expect(lane.size).toBe(6)
    expect(lane.find(12)).toBe(entries[2])
    lane.remove(entries[2])
    expect(lane.find(12)).toBe(again)
    lane.remove(entries[2]) // a second remove is a no-op
    expect(lane.size).toBe(5)
    for (const e of [...entries, again]) lane.remove(e)
    expect(lane.size).toBe(0)
    expect(lane.find(10)).toBeUndefined()
  })

  it('random adds and removes: the same size and find() as an array model', () => {
    for (let seed = 1; seed <= 8; seed++) {
      const random = seededRandom(seed)
      const lane = new Lane<Entry>()
      let model: Entry[] = []
      let next = 0
      for (let step = 0; step < 4000; step++) {
        const r = random()
        if (r < 0.5) {
          const e = entry(random() < 0.05 && next > 0 ? Math.floor(random() * next) : next++)
          lane.add(e)
          model.push(e)
        } else if (model.length > 0) {
          // mostly the oldest (acks come in order), sometimes any
          const at = r < 0.85 ? 0 : Math.floor(random() * model.length)
          lane.remove(model[at])
          model = model.filter((_, i) => i !== at)
        }
        const probe = Math.floor(random() * (next + 2))
        const found = model.find((e) => e.offsetNumber === probe)
        if (lane.size !== model.length || lane.find(probe) !== found) {
          expect({seed, step, size: lane.size, found: lane.find(probe)}).toEqual({seed, step, size: model.length, found})
        }
      }
    }
  })

  it('a delivery held unsettled while 10,000 after it settle: still found, and found after the rest compact', () => {
    const lane = new Lane<Entry>()
    const held = entry(0)
    lane.add(held)
    for (let offset = 1; offset <= 10_000; offset++) {
      const e = entry(offset)
      lane.add(e)
      lane.remove(e)
    }
    expect(lane.size).toBe(1)
    expect(lane.find(0)).toBe(held)
    lane.remove(held)
    const later = entry(10_001)
    lane.add(later)
    expect(lane.size).toBe(1)
    expect(lane.find(10_001)).toBe(later)
    expect(lane.find(0)).toBeUndefined()
  })
})
