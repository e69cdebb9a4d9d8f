// Where a subscription starts, resolved to concrete offsets per partition BEFORE the consumer
// joins, so that "end" means "after what existed when consume() was called" (no race with the
// first fetch) and the seeks can be applied synchronously when the group assigns partitions.
// With no start position a consumer takes what the topic holds, as a consumer of a queue takes
// what the queue holds: a named group from its committed offsets, anything else from the beginning.
import type {Admin} from 'kafkajs'
import {UsageError} from '../../../errors.js'
import type {StartPosition} from '../../types.js'
import {partitionOffsets} from '../admin/admin.js'
import {toMqkitError} from '../errors.js'
import {committedOffsets} from '../admin/group-offsets.js'

export interface ResolvedStart {
  /** auto.offset.reset for partitions without a committed offset (and out-of-range positions). */
  fromBeginning: boolean
  /** Explicit seeks, applied the first time this subscription is assigned each partition. */
  seeks: Map<number, string>
}

/**
 * Named groups keep their committed offsets for beginning/end/default (those act as the reset
 * policy, as in Kafka's own clients); offset and timestamp are explicit seeks. Partitions WITHOUT
 * a committed offset (every partition of an ephemeral group, or of a named group's first run) get
 * an explicit seek too for "end": left to the reset policy it would be resolved at the first fetch,
 * after the group join, and messages published in between would be skipped. A named group's
 * beginning/default needs no seek: the reset policy (earliest) skips nothing.
 * 'default' = 'beginning' (kcat -C reads from the beginning too; kafka-console-consumer's end would
 * make `publish` then `consume` wait for a message that is already there).
 */
export async function resolveStart(admin: Admin, topic: string, position: StartPosition, namedGroup?: string): Promise<ResolvedStart> {
  const fromBeginning = position.kind === 'beginning' || position.kind === 'default'
  const seeks = new Map<number, string>()
  const explicit = position.kind === 'offset' || position.kind === 'timestamp'
  // Partitions where the group has committed an offset keep it (the reset policy applies).
  const committed = explicit || namedGroup === undefined ? new Map<number, number>() : await committedOffsets(admin, namedGroup, topic)
  const offsets = (await partitionOffsets(admin, topic)).filter((o) => explicit || !committed.has(o.partition))
  if (offsets.length === 0) return {fromBeginning, seeks}
  switch (position.kind) {
    case 'default':
    case 'beginning':
      // A named group's uncommitted partitions are left to the reset policy (earliest, resolved
      // when fetched, so nothing is skipped either): a seek resolved now would rewind a partition
      // that another member of the group (another bench shard) commits on before the group hands
      // it to this one, and read it all again.
      if (namedGroup !== undefined) break
      for (const o of offsets) seeks.set(o.partition, String(o.earliest))
      break
    case 'end':
      for (const o of offsets) seeks.set(o.partition, String(o.latest))
      break
    case 'offset': {
      // kcat style: N = absolute offset in every partition, -N = N before the end of each.
      if (!/^-?\d+$/.test(position.offset)) throw new UsageError(`offset must be an integer (or -N for N before the end), got "${position.offset}"`)
      const value = Number(position.offset)
      for (const o of offsets) {
        const target = value < 0 ? Math.max(o.earliest, o.latest + value) : Math.min(Math.max(value, o.earliest), o.latest)
        seeks.set(o.partition, String(target))
      }
      break
    }
    case 'timestamp': {
      let byTime: Array<{partition: number; offset: string}>
      try {
        byTime = await admin.fetchTopicOffsetsByTimestamp(topic, position.epochMs)
      } catch (error) {
        throw toMqkitError(error, {action: `find offsets by timestamp in topic "${topic}"`, topic})
      }
      for (const o of offsets) {
        const found = byTime.find((b) => b.partition === o.partition)
        // -1: no record at or after the timestamp → start at the end.
        seeks.set(o.partition, found && Number(found.offset) >= 0 ? found.offset : String(o.latest))
      }
      break
    }
  }
  return {fromBeginning, seeks}
}
