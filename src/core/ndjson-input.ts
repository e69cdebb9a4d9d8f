// `publish --input ndjson`: the records `consume --json` writes, read back as messages, so
// `consume --json | publish --input ndjson` moves messages between queues, brokers and backends
// with their bytes, key, headers and properties. The record is the one src/output/messages.ts
// writes; the fields that describe a delivery rather than the message (queue, redelivered,
// deliveryCount, timestampMs, partition, offset) are read past: the target assigns its own.
import {UsageError} from '../errors.js'
import type {Headers} from '../drivers/types.js'
import type {InputRecord, RawInput} from './input.js'

/** The record fields that become the message (README "publish --input ndjson"). */
export const RECORD_MESSAGE_FIELDS = ['body', 'bodyBase64', 'key', 'headers', 'priority', 'messageId', 'correlationId', 'contentType'] as const

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

/**
 * One NDJSON line → a message. `where` names the line in messages ("stdin line 3"). Blank lines
 * are skipped (undefined). Anything that is not a record fails with a usage error naming the line,
 * the field and the bad value; consume's own `{"error":...}` line says so, since it means the
 * consume that wrote the input failed.
 */
export function parseRecordLine(line: Buffer, where: string): RawInput | undefined {
  const text = line.toString('utf8')
  if (text.trim() === '') return undefined
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw new UsageError(`${where} is not JSON (${(error as Error).message.split('\n')[0]}); --input ndjson reads the lines of mqkit consume --json`)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UsageError(`${where} is not a JSON object; --input ndjson reads the lines of mqkit consume --json`)
  }
  const record = value as Record<string, unknown>
  if (!('body' in record) && !('bodyBase64' in record) && typeof record.error === 'object' && record.error !== null) {
    const message = (record.error as {message?: unknown}).message
    throw new UsageError(
      `${where} is the error the command that wrote the input ended with, not a message${typeof message === 'string' ? ` ("${message}")` : ''}; the messages before it were published`,
    )
  }
  const bad = (field: string, expected: string) => new UsageError(`${where}: "${field}" must be ${expected}, got ${JSON.stringify(record[field])}`)
  let body: Buffer
  if (typeof record.body === 'string') {
    if (record.bodyBase64 !== undefined) throw new UsageError(`${where} has both "body" and "bodyBase64"; give one`)
    body = Buffer.from(record.body, 'utf8')
  } else if (record.body !== undefined) throw bad('body', 'a string')
  else if (typeof record.bodyBase64 === 'string') {
    const encoded = record.bodyBase64
    if (encoded.length % 4 !== 0 || !BASE64.test(encoded)) throw bad('bodyBase64', 'base64 text')
    body = Buffer.from(encoded, 'base64')
  } else if (record.bodyBase64 !== undefined) throw bad('bodyBase64', 'base64 text')
  else throw new UsageError(`${where} has no "body" or "bodyBase64"; --input ndjson reads the lines of mqkit consume --json`)

  const input: RawInput = {body}
  if (typeof record.key === 'string') input.key = record.key
  else if (record.key !== undefined && record.key !== null) throw bad('key', 'a string or null')
  const properties: InputRecord = {where}
  if (typeof record.queue === 'string') properties.queue = record.queue
  if (record.headers !== undefined && record.headers !== null) {
    const headers = record.headers
    if (typeof headers !== 'object' || Array.isArray(headers) || !Object.values(headers).every((v) => typeof v === 'string'))
      throw bad('headers', 'an object of string values')
    if (Object.keys(headers).length > 0) properties.headers = headers as Headers
  }
  if (record.priority !== undefined && record.priority !== null) {
    const priority = record.priority
    if (typeof priority !== 'number' || !Number.isInteger(priority) || priority < 0 || priority > 255) throw bad('priority', 'a whole number from 0 to 255')
    properties.priority = priority
  }
  for (const field of ['messageId', 'correlationId', 'contentType'] as const) {
    const v = record[field]
    if (v === undefined || v === null) continue
    if (typeof v !== 'string') throw bad(field, 'a string')
    properties[field] = v
  }
  input.record = properties
  return input
}

/** Lines → messages, numbered from 1 in `origin` ("stdin", `--file "x.ndjson"`), blank lines skipped. */
export async function* ndjsonInputs(lines: AsyncIterable<Buffer>, origin: string): AsyncGenerator<RawInput> {
  let lineNumber = 0
  for await (const line of lines) {
    lineNumber++
    const input = parseRecordLine(line, `${origin} line ${lineNumber}`)
    if (input !== undefined) yield input
  }
}
