// How `consume` writes a message: text (the body bytes unchanged, one per line, like kcat) or
// one NDJSON object per message. Pure: delivery in, bytes out.
import {TextDecoder} from 'node:util'
import type {Delivery} from '../drivers/types.js'

export interface MessageRecord {
  queue: string
  key: string | null
  headers: Record<string, string>
  redelivered: boolean
  deliveryCount: number
  timestampMs: number
  partition?: number
  offset?: string
  priority?: number
  messageId?: string
  correlationId?: string
  contentType?: string
  /** The body as UTF-8 text, when it is valid UTF-8. */
  body?: string
  /** The body in base64, when it is not valid UTF-8. */
  bodyBase64?: string
}

const strictUtf8 = new TextDecoder('utf-8', {fatal: true, ignoreBOM: true})

export function bodyFields(body: Buffer): {body: string} | {bodyBase64: string} {
  try {
    return {body: strictUtf8.decode(body)}
  } catch {
    return {bodyBase64: body.toString('base64')}
  }
}

export function toRecord(delivery: Delivery): MessageRecord {
  const record: MessageRecord = {
    queue: delivery.queue,
    key: delivery.key ?? null,
    headers: delivery.headers,
    redelivered: delivery.redelivered,
    deliveryCount: delivery.deliveryCount,
    timestampMs: delivery.timestampMs,
  }
  if (delivery.partition !== undefined) record.partition = delivery.partition
  if (delivery.offset !== undefined) record.offset = delivery.offset
  if (delivery.priority !== undefined) record.priority = delivery.priority
  if (delivery.messageId !== undefined) record.messageId = delivery.messageId
  if (delivery.correlationId !== undefined) record.correlationId = delivery.correlationId
  if (delivery.contentType !== undefined) record.contentType = delivery.contentType
  return Object.assign(record, bodyFields(delivery.body))
}

const NEWLINE = Buffer.from('\n')

export function ndjsonLine(delivery: Delivery): Buffer {
  return Buffer.from(`${JSON.stringify(toRecord(delivery))}\n`, 'utf8')
}

/** The body bytes unchanged plus "\n"; with a key delimiter, `key<delim>body` (kcat -K). */
export function textLine(delivery: Delivery, keyDelimiter?: string): Buffer {
  if (keyDelimiter === undefined) return Buffer.concat([delivery.body, NEWLINE])
  return Buffer.concat([Buffer.from(`${delivery.key ?? ''}${keyDelimiter}`, 'utf8'), delivery.body, NEWLINE])
}

/** textLine of each delivery, in order, as one buffer (one write for all of them). */
export function textLines(deliveries: readonly Delivery[], keyDelimiter?: string): Buffer {
  if (keyDelimiter !== undefined) return Buffer.concat(deliveries.map((delivery) => textLine(delivery, keyDelimiter)))
  // Sized once and filled in place: Buffer.concat would need a list of 2 parts per line.
  let length = deliveries.length
  for (const delivery of deliveries) length += delivery.body.length
  const out = Buffer.allocUnsafe(length)
  let at = 0
  for (const delivery of deliveries) {
    out.set(delivery.body, at)
    at += delivery.body.length
    out[at++] = 0x0a
  }
  return out
}
