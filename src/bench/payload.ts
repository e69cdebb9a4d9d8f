// Message bodies for the bench. Drivers may keep a body's reference (memory:// queues it as is),
// so every message gets its own bytes — but not its own allocation: bodies are carved from 64 KiB
// slabs that arrive pre-filled with the payload (one memcpy from a master slab per slab), so a
// message costs a view, not an ArrayBuffer plus a 1 KiB copy. A slab is freed by the GC when
// its last message is. The timing stamp is written over the first STAMP_BYTES afterwards.
import {randomBytes} from 'node:crypto'
import {STAMP_BYTES} from './stamp.js'

/** Bodies per slab at most, and its size cap: big enough to amortise, small enough to free soon. */
const SLAB_TARGET_BYTES = 64 * 1024
const SLAB_MAX_MESSAGES = 1024

export class PayloadSource {
  private readonly fixed: boolean
  /** One stride per body: maxBytes rounded up to 8 so stamps stay aligned. */
  private readonly strideBytes: number
  private readonly master: Buffer
  private slab: Buffer | undefined
  private offset = 0

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
  }

  /** Random (incompressible) payload bytes: compression in a broker or client must not flatter a run. */
  static random(minBytes: number, maxBytes: number): PayloadSource {
    return new PayloadSource(randomBytes(Math.max(0, maxBytes - STAMP_BYTES)), minBytes, maxBytes)
  }

  /** A body of the next size, its own bytes; [0, STAMP_BYTES) are left for the stamp. */
  next(): Buffer {
    const size = this.fixed ? this.minBytes : this.minBytes + Math.floor(Math.random() * (this.maxBytes - this.minBytes + 1))
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
