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

/**
 * Inputs as publish reads them: an async iterator, and, where the source has inputs read already
 * (the rest of a chunk's lines), `nextBuffered()` hands the next of them without an async step
 * (undefined when none is buffered: call next()). Both take from the same sequence, in order.
 */
export interface InputIterator extends AsyncIterableIterator<RawInput> {
  return(value?: unknown): Promise<IteratorResult<RawInput>>
  nextBuffered?(): RawInput | undefined
}
