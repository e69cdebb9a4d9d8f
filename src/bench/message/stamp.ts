// The timing stamp every bench message carries at the start of its BODY, so it works on every
// backend with nanosecond resolution (the AMQP timestamp property has 1-second resolution and
// other backends have no such field). Times are monotonic nanoseconds (process.hrtime.bigint):
// comparable within one host, never affected by wall-clock steps. With --shared-queues, where a
// message may be received on another host, they are wall-clock nanoseconds since the run's
// --start-at instead (clock.ts wallClockOffsetNs): comparable across hosts as far as their clocks agree.
//
// Layout, little-endian, STAMP_BYTES = 40:
//   0  u32  magic 0x4b424d51 ("QMBK" read as bytes)
//   4  u32  producer id
//   8  u32  sequence number, low 32 bits
//  12  u32  sequence number, high 21 bits (sequence < 2^53)
//  16  u64  intended send time, ns (0 in closed loop: there is no schedule)
//  24  u64  actual send time, ns
//  32  u32  queue index
//  36  u32  key index + 1 (0: no key), so order can be judged per key (Kafka partitions by key)

import {BodyTag} from './body-tag.js'

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

// u64 fields are written and read as two u32 halves from a Number (exact below 2^53): same
// bytes as writeBigUInt64LE, without BigInt arithmetic on the hot path.
function writeU64(body: Buffer, value: number, offset: number): void {
  const low = value >>> 0 // ToUint32: value mod 2^32, exact for whole Numbers
  const high = (value - low) / TWO_32
  body[offset] = low
  body[offset + 1] = low >>> 8
  body[offset + 2] = low >>> 16
  body[offset + 3] = low >>> 24
  body[offset + 4] = high
  body[offset + 5] = high >>> 8
  body[offset + 6] = high >>> 16
  body[offset + 7] = high >>> 24
}

function readU64(body: Buffer, offset: number): number {
  // Byte reads: no per-call bounds checks (callers checked hasStamp, i.e. length ≥ STAMP_BYTES).
  const low = (body[offset] | (body[offset + 1] << 8) | (body[offset + 2] << 16)) + body[offset + 3] * 0x100_0000
  const high = (body[offset + 4] | (body[offset + 5] << 8) | (body[offset + 6] << 16)) + body[offset + 7] * 0x100_0000
  return low + high * TWO_32
}

/** Hot path: times are monotonic nanoseconds as Numbers (see clock.ts). */
export function writeStamp(
  body: Buffer,
  producerId: number,
  sequence: number,
  intendedSendNs: number,
  actualSendNs: number,
  queueIndex: number,
  keyIndex = -1,
): void {
  const words = BodyTag.words(body)
  if (words !== undefined) {
    // A recycled body (payload.ts): the same bytes, written as words.
    const sequenceLow = sequence >>> 0
    const intendedLow = intendedSendNs >>> 0
    const actualLow = actualSendNs >>> 0
    words[0] = STAMP_MAGIC
    words[1] = producerId
    words[2] = sequenceLow
    words[3] = (sequence - sequenceLow) / TWO_32
    words[4] = intendedLow
    words[5] = (intendedSendNs - intendedLow) / TWO_32
    words[6] = actualLow
    words[7] = (actualSendNs - actualLow) / TWO_32
    words[8] = queueIndex
    words[9] = keyIndex + 1
    return
  }
  body.writeUInt32LE(STAMP_MAGIC, 0)
  body.writeUInt32LE(producerId, 4)
  writeU64(body, sequence, 8)
  writeU64(body, intendedSendNs, 16)
  writeU64(body, actualSendNs, 24)
  body.writeUInt32LE(queueIndex, 32)
  body.writeUInt32LE(keyIndex + 1, 36)
}

export function hasStamp(body: Buffer): boolean {
  return body.length >= STAMP_BYTES && body.readUInt32LE(0) === STAMP_MAGIC
}

/** Slots of readStampFields' output. */
export const FIELD_PRODUCER = 0
export const FIELD_SEQUENCE = 1
export const FIELD_INTENDED_NS = 2
export const FIELD_ACTUAL_NS = 3
export const FIELD_KEY_INDEX = 4

/**
 * The consumer's hot-path reader: producer id, sequence, intended and actual send time (ns) and
 * key index (-1: none) into `into` (slots FIELD_*; whole Numbers below 2^53 are exact in a
 * Float64Array), with no object per message. False, `into` untouched, when there is no stamp.
 */
export function readStampFields(body: Buffer, into: Float64Array): boolean {
  const words = BodyTag.words(body)
  if (words !== undefined) {
    if (words[0] !== STAMP_MAGIC) return false
    into[FIELD_PRODUCER] = words[1]
    into[FIELD_SEQUENCE] = words[2] + words[3] * TWO_32
    into[FIELD_INTENDED_NS] = words[4] + words[5] * TWO_32
    into[FIELD_ACTUAL_NS] = words[6] + words[7] * TWO_32
    into[FIELD_KEY_INDEX] = words[9] - 1
    return true
  }
  if (!hasStamp(body)) return false
  into[FIELD_PRODUCER] = stampProducerId(body)
  into[FIELD_SEQUENCE] = stampSequence(body)
  into[FIELD_INTENDED_NS] = stampIntendedNs(body)
  into[FIELD_ACTUAL_NS] = stampActualNs(body)
  into[FIELD_KEY_INDEX] = stampKeyIndex(body)
  return true
}

/** Single-field readers: no object per message. Callers check hasStamp first. */
export function stampProducerId(body: Buffer): number {
  return body.readUInt32LE(4)
}

export function stampSequence(body: Buffer): number {
  return readU64(body, 8)
}

/** Intended send time, ns (0 in closed loop). */
export function stampIntendedNs(body: Buffer): number {
  return readU64(body, 16)
}

export function stampActualNs(body: Buffer): number {
  return readU64(body, 24)
}

export function stampQueueIndex(body: Buffer): number {
  return body.readUInt32LE(32)
}

/** The message's key index, -1 when it has no key. */
export function stampKeyIndex(body: Buffer): number {
  return body.readUInt32LE(36) - 1
}

/** Whole stamp as an object (tests, diagnostics), times as exact BigInts. Undefined without a stamp. */
export function readStamp(body: Buffer): Stamp | undefined {
  if (!hasStamp(body)) return undefined
  return {
    producerId: stampProducerId(body),
    sequence: stampSequence(body),
    intendedSendNs: body.readBigUInt64LE(16),
    actualSendNs: body.readBigUInt64LE(24),
    queueIndex: stampQueueIndex(body),
  }
}
