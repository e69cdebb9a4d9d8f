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

export function headersForRecord(headers: Headers | undefined, properties: Partial<Record<PropertyName, string>>): Record<string, string> | undefined {
  let out: Record<string, string> | undefined = headers === undefined ? undefined : {...headers}
  for (const [property, header] of Object.entries(PROPERTY_HEADERS) as Array<[PropertyName, string]>) {
    const value = properties[property]
    if (value !== undefined) (out ??= {})[header] = value
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
  for (const [property, header] of Object.entries(PROPERTY_HEADERS) as Array<[PropertyName, string]>) {
    if (header in headers) {
      received[property] = headers[header]
      delete headers[header]
    }
  }
  return received
}
