// The ack batcher alone (no broker): which frames it sends for which settlements. The broker
// side (what comes back after a close) is in multi-ack.test.ts.
import {afterEach, describe, expect, it, vi} from 'vitest'
import {AckBatcher} from '../../../src/drivers/amqp/acks.js'

type Frame = ['ack', number, boolean] | ['nack', number, boolean]

function batcher(every: number, flushAfterMs = 50) {
  const frames: Frame[] = []
  const b = new AckBatcher<number>(
    every,
    {
      tagOf: (tag) => tag,
      ack: (tag, multiple) => frames.push(['ack', tag, multiple]),
      nack: (tag, requeue) => frames.push(['nack', tag, requeue]),
    },
    flushAfterMs,
  )
  return {b, frames}
}

/** Tags 1..n that a frame sequence settles, as the broker would apply them. */
function settledBy(frames: Frame[], delivered: number): Map<number, 'ack' | 'nack'> {
  const outcome = new Map<number, 'ack' | 'nack'>()
  for (const [kind, tag, flag] of frames) {
    if (kind === 'nack') {
      expect(outcome.has(tag), `tag ${tag} settled twice`).toBe(false)
      outcome.set(tag, 'nack')
    } else if (flag) {
      for (let t = 1; t <= tag && t <= delivered; t++) if (!outcome.has(t)) outcome.set(t, 'ack')
    } else {
      expect(outcome.has(tag), `tag ${tag} settled twice`).toBe(false)
      outcome.set(tag, 'ack')
    }
  }
  return outcome
}

describe('AckBatcher', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('sends one multiple ack per full run and the rest on the flush timer', () => {
    vi.useFakeTimers()
    const {b, frames} = batcher(10)
    for (let tag = 1; tag <= 25; tag++) b.ack(tag)
    expect(frames).toEqual([
      ['ack', 10, true],
      ['ack', 20, true],
    ])
    expect(b.pending).toBe(5)
    vi.advanceTimersByTime(49)
    expect(frames).toHaveLength(2)
    vi.advanceTimersByTime(1)
    expect(frames).toEqual([
      ['ack', 10, true],
      ['ack', 20, true],
      ['ack', 25, true],
    ])
    expect(b.pending).toBe(0)
  })

  it('never covers a tag the application holds: out-of-order acks wait for the gap', () => {
    const {b, frames} = batcher(3)
    b.ack(2)
    b.ack(3)
    b.ack(4)
    expect(frames).toEqual([]) // 2..4 is three long, but 1 is still held
    b.ack(1)
    expect(frames).toEqual([['ack', 4, true]])
    b.dispose()
  })

  it('flush sends the run from the base as one frame and acks above a gap one by one', () => {
    const {b, frames} = batcher(10)
    b.ack(1)
    b.ack(2)
    b.ack(4) // 3 is held
    b.ack(6) // 5 is held
    b.flush()
    expect(frames).toEqual([
      ['ack', 2, true],
      ['ack', 4, false],
      ['ack', 6, false],
    ])
    // 3 and 5 settled later: 4 and 6 are done already, so each goes alone (3's run cannot grow past 4).
    b.ack(3)
    expect(frames.at(-1)).toEqual(['ack', 3, false])
    b.ack(5)
    expect(frames.at(-1)).toEqual(['ack', 5, false])
    b.ack(7)
    b.flush()
    expect(frames.at(-1)).toEqual(['ack', 7, false])
    expect([...settledBy(frames, 7).values()].every((v) => v === 'ack')).toBe(true)
  })

  it('a nack breaks the run: the acks below it go first, then the nack alone', () => {
    const {b, frames} = batcher(10)
    b.ack(1)
    b.ack(2)
    b.nack(3, true)
    b.ack(4)
    b.ack(5)
    expect(frames).toEqual([
      ['ack', 2, true],
      ['nack', 3, true],
    ])
    b.flush()
    expect(frames.at(-1)).toEqual(['ack', 5, true])
    const outcome = settledBy(frames, 5)
    expect([1, 2, 3, 4, 5].map((t) => outcome.get(t))).toEqual(['ack', 'ack', 'nack', 'ack', 'ack'])
  })

  it('a run ending at an already-settled tag is sent at once (it cannot grow)', () => {
    const {b, frames} = batcher(10)
    b.nack(3, false) // 1 and 2 still held
    expect(frames).toEqual([['nack', 3, false]])
    b.ack(2)
    b.ack(1)
    expect(frames).toEqual([
      ['nack', 3, false],
      ['ack', 2, true],
    ])
    b.ack(4)
    expect(frames).toHaveLength(2) // base moved past 3: 4 starts a new run
    b.dispose()
  })

  it('settles every tag exactly as the application did, under random interleavings', () => {
    let seed = 42
    const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff
    for (let round = 0; round < 200; round++) {
      const every = 1 + Math.floor(random() * 8)
      const {b, frames} = batcher(every)
      const n = 1 + Math.floor(random() * 40)
      const order = Array.from({length: n}, (_, i) => i + 1).sort(() => random() - 0.5)
      const wanted = new Map<number, 'ack' | 'nack'>()
      for (const tag of order) {
        const nack = random() < 0.15
        wanted.set(tag, nack ? 'nack' : 'ack')
        if (nack) b.nack(tag, true)
        else b.ack(tag)
        if (random() < 0.05) b.flush()
        // Nothing sent may cover a tag the application has not settled yet.
        for (const [t, how] of settledBy(frames, n)) expect(wanted.get(t), `round ${round}: tag ${t}`).toBe(how)
      }
      b.flush()
      expect(settledBy(frames, n)).toEqual(wanted)
      expect(b.pending).toBe(0)
    }
  })
})
