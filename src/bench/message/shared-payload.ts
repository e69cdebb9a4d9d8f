// Bodies for a run whose stamp travels in a header (Kafka: stamp-header.ts): no body carries
// anything of its own, so every message is sent with the same bytes, one Buffer (or a view of its
// first N bytes for a size range). Nothing is allocated or copied per message, and drivers may
// keep references freely: the bytes never change.
import {randomBytes} from 'node:crypto'
import type {BodySource} from './payload.js'

export class SharedPayload implements BodySource {
  private readonly fixed: boolean

  /**
   * @param payload the bytes, repeated to fill maxBytes
   * @param minBytes, maxBytes body sizes (uniformly distributed when maxBytes is larger)
   */
  private constructor(
    private readonly bytes: Buffer,
    private readonly minBytes: number,
  ) {
    this.fixed = bytes.length === minBytes
  }

  static of(payload: Buffer, minBytes: number, maxBytes: number): SharedPayload {
    const bytes = Buffer.alloc(maxBytes)
    if (payload.length > 0) bytes.fill(payload)
    return new SharedPayload(bytes, minBytes)
  }

  /** Random (incompressible) bytes: compression in a broker or client must not flatter a run. */
  static random(minBytes: number, maxBytes: number): SharedPayload {
    return new SharedPayload(randomBytes(maxBytes), minBytes)
  }

  next(): Buffer {
    if (this.fixed) return this.bytes
    return this.bytes.subarray(0, this.minBytes + Math.floor(Math.random() * (this.bytes.length - this.minBytes + 1)))
  }

  release(): void {}
}
