// The final drain (--recover, --fault-cmd): after the run's consumers are closed, a fresh consumer
// reads what is still in the queues, message by message, so that "left in queue" and "confirmed
// and lost" are exact per message rather than a count (Jepsen's final read). On Kafka it joins the
// bench group and reads from the committed offsets: what the run received but never committed
// comes again and counts as a duplicate.
import type {Driver} from '../../drivers/types.js'
import {backlog} from '../backlog.js'
import type {IntegrityTracker} from '../integrity.js'
import {benchConsumeOptions} from '../queue-setup.js'
import type {BenchOptions} from '../options.js'
import {FIELD_PRODUCER, FIELD_SEQUENCE, readStampFields} from '../message/stamp.js'
import {readStampHeader, STAMP_HEADER} from '../message/stamp-header.js'

/** A queue this long quiet, and empty by the broker's count, is drained. */
const QUIET_MS = 500

/**
 * Read the queues empty with `driver` (connected, unused). Returns true when the broker counted
 * them empty before `timeoutMs`; false leaves the tracker's leftInQueue to the broker's count.
 */
export async function finalDrain(
  driver: Driver,
  admin: Driver,
  names: string[],
  o: BenchOptions,
  integrity: IntegrityTracker,
  stampInHeader: boolean,
  timeoutMs: number,
): Promise<boolean> {
  const stamp = new Float64Array(5)
  let lastReadMs = performance.now()
  const subscriptions = await Promise.all(
    names.map((queue) =>
      driver.consume(queue, benchConsumeOptions(o, queue), async (delivery) => {
        lastReadMs = performance.now()
        const stamped = stampInHeader ? readStampHeader(delivery.headers[STAMP_HEADER], stamp) : readStampFields(delivery.body, stamp)
        if (stamped) integrity.onDrained(stamp[FIELD_PRODUCER], stamp[FIELD_SEQUENCE], delivery.redelivered)
        else integrity.foreign++
        await delivery.ack()
      }),
    ),
  )
  const deadline = performance.now() + timeoutMs
  let empty = false
  try {
    while (performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      if (performance.now() - lastReadMs < QUIET_MS) continue
      empty = (await backlog(admin, names).catch(() => 1)) === 0
      if (empty) break
    }
  } finally {
    await Promise.all(subscriptions.map((s) => s.cancel().catch(() => {})))
  }
  return empty
}
