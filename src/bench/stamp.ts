// The timing stamp every bench message carries at the start of its BODY, so it works on every
// backend with nanosecond resolution (the AMQP timestamp property has 1-second resolution and
// other backends have no such field). Times are monotonic nanoseconds (process.hrtime.bigint):
// comparable within one host, never affected by wall-clock steps.
//
// Layout, little-endian, STAMP_BYTES = 40:
//   0  u32  magic 0x4b424d51 ("QMBK" read as bytes)
//   4  u32  producer id
//   8  u32  sequence number, low 32 bits
//  12  u32  sequence number, high 21 bits (sequence < 2^53)
//  16  u64  intended send time, ns (0 in closed loop: there is no schedule)
//  24  u64  actual send time, ns
//  32  u32  queue index
//  36  u32  reserved (0)

export const STAMP_MAGIC = 0x4b424d51
export const STAMP_BYTES = 40

export interface Stamp {
  producerId: number
  sequence: number
  intendedSendNs: bigint
  actualSendNs: bigint
  queueIndex: number
}

const TWO_32 = 0x1_0000_0000

export function writeStamp(
  body: Buffer,
  producerId: number,
  sequence: number,
  intendedSendNs: bigint,
  actualSendNs: bigint,
  queueIndex: number,
): void {
  body.writeUInt32LE(STAMP_MAGIC, 0)
  body.writeUInt32LE(producerId, 4)
  body.writeUInt32LE(sequence % TWO_32, 8)
  body.writeUInt32LE(Math.floor(sequence / TWO_32), 12)
  body.writeBigUInt64LE(intendedSendNs, 16)
  body.writeBigUInt64LE(actualSendNs, 24)
  body.writeUInt32LE(queueIndex, 32)
  body.writeUInt32LE(0, 36)
}

export function hasStamp(body: Buffer): boolean {
  return body.length >= STAMP_BYTES && body.readUInt32LE(0) === STAMP_MAGIC
}

/** Hot-path readers: no object per message. Callers check hasStamp first. */
export function stampProducerId(body: Buffer): number {
  return body.readUInt32LE(4)
}

export function stampSequence(body: Buffer): number {
  return body.readUInt32LE(8) + body.readUInt32LE(12) * TWO_32
}

export function stampIntendedNs(body: Buffer): bigint {
  return body.readBigUInt64LE(16)
}

export function stampActualNs(body: Buffer): bigint {
  return body.readBigUInt64LE(24)
}

export function stampQueueIndex(body: Buffer): number {
  return body.readUInt32LE(32)
}

/** Whole stamp as an object (tests, diagnostics). Undefined when the body has no stamp. */
export function readStamp(body: Buffer): Stamp | undefined {
  if (!hasStamp(body)) return undefined
  return {
    producerId: stampProducerId(body),
    sequence: stampSequence(body),
    intendedSendNs: stampIntendedNs(body),
    actualSendNs: stampActualNs(body),
    queueIndex: stampQueueIndex(body),
  }
}
