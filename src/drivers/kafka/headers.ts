// Kafka records carry a key, a value and headers; the neutral message properties that Kafka has
// no field for travel as headers with these names and come back as Delivery fields (and are then
// removed from Delivery.headers, so that headers round-trip exactly as given).
import type {Headers} from '../types.js'

export const PROPERTY_HEADERS = {
  messageId: 'message-id',
  correlationId: 'correlation-id',
  contentType: 'content-type',
} as const

type PropertyName = keyof typeof PROPERTY_HEADERS

/** [property, header] pairs, made once: these run for every record with headers. */
const PROPERTY_PAIRS = Object.entries(PROPERTY_HEADERS) as Array<[PropertyName, string]>

/** The record headers for a message: `headers` itself when no property is added (kafkajs only reads them), else a copy with them. */
export function headersForRecord(headers: Headers | undefined, properties: Partial<Record<PropertyName, string>>): Record<string, string> | undefined {
  let out: Record<string, string> | undefined = headers
  let copied = false
  for (const [property, header] of PROPERTY_PAIRS) {
    const value = properties[property]
    if (value === undefined) continue
    if (!copied) {
      out = {...headers}
      copied = true
    }
    out![header] = value
  }
  return out
}

export interface ReceivedHeaders {
  headers: Headers
  messageId?: string
  correlationId?: string
  contentType?: string
}

/** kafkajs gives header values as Buffer (or arrays of them for repeated keys). */
export function headersFromRecord(raw: Record<string, Buffer | string | Array<Buffer | string> | undefined> | undefined): ReceivedHeaders {
  const headers: Headers = {}
  let any = false
  // for-in rather than Object.entries: most records (bench's among them) have no headers, and
  // this runs for every one.
  for (const name in raw) {
    const value = raw[name]
    if (value === undefined) continue
    const last = Array.isArray(value) ? value[value.length - 1] : value
    if (last !== undefined) {
      headers[name] = last.toString()
      any = true
    }
  }
  const received: ReceivedHeaders = {headers}
  if (!any) return received
  for (const [property, header] of PROPERTY_PAIRS) {
    if (header in headers) {
      received[property] = headers[header]
      delete headers[header]
    }
  }
  return received
}
