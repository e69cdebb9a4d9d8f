// Message bodies for the bench. Drivers may keep a body's reference (memory:// queues it as is),
// so every message gets its own bytes — but not its own allocation: bodies are carved from 64 KiB
// slabs that arrive pre-filled with the payload (one memcpy from a master slab per slab), so a
// message costs a view, not an ArrayBuffer plus a 1 KiB copy. A slab is freed by the GC when
// its last message is. The timing stamp is written over the first STAMP_BYTES afterwards.
//
// Recycling (fixed sizes, recycle=true): once nothing references a body any more it can carry the
// next message. An in-process broker hands the consumer the very Buffer the producer published,
// which gives it back after the ack; every other driver has copied the bytes out when it confirms,
// so the producer gives it back then (runner.ts). Only the stamp is rewritten (the payload bytes
// behind it never change), which spares a run 1 KiB of allocation, copying and garbage per message
// (on memory:// that garbage would be the largest single cost of a run; on kafka:// the working
// set shrinks to the confirm window's bodies). A body is reused only after it
// came back through release() while out from this source: handed out once, taken back at most
// once. Which source a body is from and whether it is out are private fields on the Buffer
// itself (body-tag.ts: a property load, where a Set/WeakSet costs two hash operations).
import {randomBytes} from 'node:crypto'
import {BodyTag} from './body-tag.js'
import {STAMP_BYTES} from './stamp.js'

/** Bodies per slab at most, and its size cap: big enough to amortise, small enough to free soon. */
const SLAB_TARGET_BYTES = 64 * 1024
const SLAB_MAX_MESSAGES = 1024
/** Bytes of released bodies kept for reuse at most; more go to the GC. */
const FREE_MAX_BYTES = 16 * 1024 * 1024

/** Where a producer gets its message bodies. */
export interface BodySource {
  /** The next message's body. */
  next(): Buffer
  /** Nothing holds `body` any more (see PayloadSource.release). */
  release(body: Buffer): void
}

export class PayloadSource implements BodySource {
  private readonly fixed: boolean
  /** One stride per body: maxBytes rounded up to 8 so stamps stay aligned. */
  private readonly strideBytes: number
  private readonly master: Buffer
  private slab: Buffer | undefined
  private offset = 0
  private readonly free: Buffer[] = []
  private readonly freeMax: number
  private recycling = false

  /**
   * @param payload bytes placed behind the stamp, repeated if shorter than maxBytes − STAMP_BYTES
   * @param minBytes smallest body, stamp included
   * @param maxBytes largest body (uniformly distributed sizes when larger than minBytes)
   */
  constructor(
    payload: Buffer,
    readonly minBytes: number,
    readonly maxBytes: number,
  ) {
    this.fixed = minBytes === maxBytes
    this.strideBytes = (maxBytes + 7) & ~7
    const perSlab = Math.max(1, Math.min(SLAB_MAX_MESSAGES, Math.floor(SLAB_TARGET_BYTES / this.strideBytes)))
    this.master = Buffer.alloc(perSlab * this.strideBytes)
    const body = Buffer.alloc(maxBytes - STAMP_BYTES)
    if (payload.length > 0) body.fill(payload)
    for (let at = 0; at < this.master.length; at += this.strideBytes) body.copy(this.master, at + STAMP_BYTES)
    this.offset = this.master.length
    this.freeMax = Math.max(1, Math.floor(FREE_MAX_BYTES / this.strideBytes))
  }

  /** Reuse bodies handed back with release(); fixed sizes only. */
  set recycle(on: boolean) {
    this.recycling = on && this.fixed
    if (!this.recycling) this.free.length = 0
  }

  get recycle(): boolean {
    return this.recycling
  }

  /**
   * Nothing holds this body any more (acked by an in-process consumer, or confirmed by a driver
   * that copied it out). Bodies that are not out from this source (another driver's buffers, a
   * duplicate release) are ignored.
   */
  release(body: Buffer): void {
    if (this.recycling && BodyTag.takeBack(body, this) && this.free.length < this.freeMax) this.free.push(body)
  }

  /** Random (incompressible) payload bytes: compression in a broker or client must not flatter a run. */
  static random(minBytes: number, maxBytes: number): PayloadSource {
    return new PayloadSource(randomBytes(Math.max(0, maxBytes - STAMP_BYTES)), minBytes, maxBytes)
  }

  /** A body of the next size, its own bytes; [0, STAMP_BYTES) are left for the stamp. */
  next(): Buffer {
    if (this.recycling) {
      const body = this.free.pop() ?? BodyTag.tag(this.carve(this.minBytes), this, STAMP_BYTES / 4)
      BodyTag.handOut(body)
      return body
    }
    return this.carve(this.fixed ? this.minBytes : this.minBytes + Math.floor(Math.random() * (this.maxBytes - this.minBytes + 1)))
  }

  private carve(size: number): Buffer {
    if (this.offset === this.master.length) {
      this.slab = Buffer.allocUnsafeSlow(this.master.length)
      this.master.copy(this.slab)
      this.offset = 0
    }
    const body = Buffer.from(this.slab!.buffer, this.offset, size)
    this.offset += this.strideBytes
    return body
  }
}
