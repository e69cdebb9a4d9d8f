// OffsetSet (the commit ledger's acked-offsets book) against a plain Set: the same members and
// size after every operation, over random runs of in-order, out-of-order, repeated and dropped offsets.
import {describe, expect, it} from 'vitest'
import {OffsetSet} from '../../../../src/drivers/kafka/consume/offset-set.js'

function seededRandom(seed: number): () => number {
  let state = seed
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648
    return state / 2_147_483_648
  }
}

describe('OffsetSet', () => {
  it('in-order adds stay one run; dropBelow trims it', () => {
    const set = new OffsetSet()
    for (let offset = 100; offset < 200; offset++) set.add(offset)
    expect(set.size).toBe(100)
    set.dropBelow(150)
    expect(set.size).toBe(50)
    expect(set.has(149)).toBe(false)
    expect(set.has(150)).toBe(true)
    set.dropBelow(1000)
    expect(set.size).toBe(0)
    set.add(5)
    expect(set.size).toBe(1)
    expect(set.has(5)).toBe(true)
  })

  it('out-of-order and repeated adds: the same members as a Set, after every operation', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const random = seededRandom(seed)
      const set = new OffsetSet()
      const model = new Set<number>()
      let next = 0
      for (let step = 0; step < 2000; step++) {
        const r = random()
        if (r < 0.6) {
          set.add(next)
          model.add(next)
          next++
        } else if (r < 0.85) {
          // out of order: ahead of or behind the in-order position, or a repeat
          const offset = Math.max(0, next + Math.floor(random() * 40) - 20)
          set.add(offset)
          model.add(offset)
        } else if (r < 0.95) {
          const position = Math.floor(random() * (next + 10))
          set.dropBelow(position)
          for (const offset of model) if (offset < position) model.delete(offset)
        } else next += Math.floor(random() * 5) // a gap
        expect(set.size, `seed ${seed} step ${step}`).toBe(model.size)
      }
      for (let offset = 0; offset < next + 30; offset++) expect(set.has(offset), `seed ${seed} offset ${offset}`).toBe(model.has(offset))
    }
  })
})
