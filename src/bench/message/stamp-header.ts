// The timing stamp as a record header, on Kafka: the record's value stays the payload alone (a
// --payload file byte for byte, as any consumer of the topic expects a record's value to be), and
// the stamp rides beside it as metadata. Text, so `kcat -f '%h'` shows it:
//   mqkit-stamp: 1:<producer>:<sequence>:<intended ns>:<sent ns>:<queue>:<key index + 1>
// (format version 1; whole decimal numbers, each below 2^53; intended 0 in closed loop; key 0:
// none). The same fields as the body stamp (stamp.ts), read into the same slots.
import {FIELD_ACTUAL_NS, FIELD_INTENDED_NS, FIELD_KEY_INDEX, FIELD_PRODUCER, FIELD_SEQUENCE} from './stamp.js'

export const STAMP_HEADER = 'mqkit-stamp'

const FIELDS = 6
const COLON = 58
const ZERO = 48
const NINE = 57

export function formatStampHeader(
  producerId: number,
  sequence: number,
  intendedSendNs: number,
  actualSendNs: number,
  queueIndex: number,
  keyIndex = -1,
): string {
  return `1:${producerId}:${sequence}:${intendedSendNs}:${actualSendNs}:${queueIndex}:${keyIndex + 1}`
}

/** Scratch for the parser: no array per message. */
const parsed = new Float64Array(FIELDS)

/**
 * The consumer's hot-path reader for the header form: the fields into `into` (slots FIELD_* of
 * stamp.ts), by one scan of the text with no allocation. False, `into` untouched, unless `text`
 * is a well-formed version-1 stamp.
 */
export function readStampHeader(text: string | undefined, into: Float64Array): boolean {
  if (text === undefined || text.charCodeAt(0) !== 49 /* '1' */ || text.charCodeAt(1) !== COLON) return false
  let field = 0
  let value = 0
  let digits = 0
  for (let i = 2; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : COLON
    if (c === COLON) {
      if (digits === 0 || field === FIELDS || value > Number.MAX_SAFE_INTEGER) return false
      parsed[field++] = value
      value = 0
      digits = 0
    } else if (c >= ZERO && c <= NINE && digits < 17) {
      value = value * 10 + (c - ZERO)
      digits++
    } else return false
  }
  if (field !== FIELDS) return false
  into[FIELD_PRODUCER] = parsed[0]
  into[FIELD_SEQUENCE] = parsed[1]
  into[FIELD_INTENDED_NS] = parsed[2]
  into[FIELD_ACTUAL_NS] = parsed[3]
  into[FIELD_KEY_INDEX] = parsed[5] - 1
  return true
}
