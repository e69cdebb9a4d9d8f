// Socket write batching for an amqplib connection. amqplib hands the socket one write per frame
// (a 1 KiB publish is one, every ack another), and Node turns each into its own send() syscall:
// about two system calls per message. Corking the socket at the first write of a synchronous
// burst and uncorking on process.nextTick sends the whole burst in one writev (figures:
// docs/performance.md) with no added latency: nextTick runs as soon as the
// code that wrote (amqplib's multiplexer, a confirm or delivery handler) returns, before any
// timer, I/O or setImmediate callback.
//
// amqplib exposes no socket; it is the connection's `stream` field (amqplib 2.3, pinned in the
// lockfile). If that is not a writable stream with cork/uncork, nothing is changed and writes go
// out one by one: slower, never wrong.
import type {ChannelModel} from 'amqplib'

/** The part of a Writable this relies on. */
interface CorkableStream {
  write: (...args: unknown[]) => boolean
  cork: () => void
  uncork: () => void
}

function corkable(stream: unknown): stream is CorkableStream {
  if (typeof stream !== 'object' || stream === null) return false
  const s = stream as Partial<Record<keyof CorkableStream, unknown>>
  return typeof s.write === 'function' && typeof s.cork === 'function' && typeof s.uncork === 'function'
}

/**
 * Make every synchronous burst of writes on `stream` one socket write. Returns false (and leaves
 * the stream alone) if it does not look like a corkable Writable.
 */
export function batchWrites(stream: unknown): boolean {
  if (!corkable(stream)) return false
  const write = stream.write
  let corked = false
  const uncork = () => {
    corked = false
    // end() or destroy() may have uncorked already; uncork() on an uncorked stream is a no-op.
    stream.uncork()
  }
  stream.write = function batchedWrite(this: CorkableStream, ...args: unknown[]): boolean {
    if (!corked) {
      corked = true
      stream.cork()
      process.nextTick(uncork)
    }
    return write.apply(this, args)
  }
  return true
}

/** batchWrites on the socket under an amqplib connection; false if it could not be reached. */
export function batchConnectionWrites(model: ChannelModel): boolean {
  const connection: unknown = model.connection
  if (typeof connection !== 'object' || connection === null) return false
  return batchWrites((connection as {stream?: unknown}).stream)
}
