// A consumer group's committed offsets, read through the admin client. Why a retry of its own: on
// a fresh broker (or right after a restart) the group coordinator is still being created or
// loaded (__consumer_offsets), and kafkajs's few quick retries run out before it is; the first
// `consume --group` against a new broker would fail with "not the correct coordinator".
import type {Admin} from 'kafkajs'
import {kafkaErrorType, toMqkitError} from '../errors.js'

// kafkajs spells codes 14-16 by their old names.
const COORDINATOR_STARTING = new Set(['GROUP_LOAD_IN_PROGRESS', 'GROUP_COORDINATOR_NOT_AVAILABLE', 'NOT_COORDINATOR_FOR_GROUP'])
/** @default 15000 — how long a coordinator that is starting up is waited for. */
const COORDINATOR_WAIT_MS = 15_000
const RETRY_PAUSE_MS = 250

/** The group's committed positions for `topic` (partitions without a commit absent). */
export async function committedOffsets(admin: Admin, groupId: string, topic: string): Promise<Map<number, number>> {
  const deadline = Date.now() + COORDINATOR_WAIT_MS
  for (;;) {
    try {
      const response = await admin.fetchOffsets({groupId, topics: [topic]})
      const out = new Map<number, number>()
      for (const p of response.find((t) => t.topic === topic)?.partitions ?? []) {
        const offset = Number(p.offset)
        if (offset >= 0) out.set(p.partition, offset)
      }
      return out
    } catch (error) {
      if (COORDINATOR_STARTING.has(kafkaErrorType(error) ?? '') && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE_MS))
        continue
      }
      throw toMqkitError(error, {action: `read committed offsets of group "${groupId}" for topic "${topic}"`, topic})
    }
  }
}
