// What one message to publish is, whichever source it came from (src/core/sources.ts): its body,
// its key, and with --input ndjson the record's message properties (src/core/ndjson-input.ts).
import type {Headers} from '../drivers/types.js'

export interface RawInput {
  body: Buffer
  /** Set when a key delimiter split the line (kcat -K style), or from a record's key. */
  key?: string
  /** --input ndjson: the record's message properties (see ndjson-input.ts). */
  record?: InputRecord
}

/** A `consume --json` record's message properties, and where it was read. */
export interface InputRecord {
  /** Where the record was read, for messages: `stdin line 3`. */
  where: string
  /** The queue the record was consumed from (its `queue` field). */
  queue?: string
  headers?: Headers
  priority?: number
  messageId?: string
  correlationId?: string
  contentType?: string
}
