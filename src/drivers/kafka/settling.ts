// Waiting out a new topic's leader elections. A broker that has just created a topic answers
// requests about it with LEADER_NOT_AVAILABLE / NOT_LEADER_FOR_PARTITION (and metadata with
// UNKNOWN_TOPIC_OR_PARTITION) until every partition has elected its leader. On a loaded machine
// that outlasts the client's own retries (config.ts RETRY: kept short so that a broker that is
// gone is reported quickly; seen in CI: a declare and an inspect right after it failing). These
// waits are only for errors a broker that answers gives, and are bounded by SETTLE_WAIT_MS.
import type {Admin} from 'kafkajs'
import {TimeoutError} from '../../errors.js'
import {kafkaErrorType} from './errors.js'

/** @default 10000 — longest wait for a new topic's partitions to have leaders. */
export const SETTLE_WAIT_MS = 10_000

const LEADER_ERRORS = new Set(['LEADER_NOT_AVAILABLE', 'NOT_LEADER_FOR_PARTITION'])

function settling(error: unknown, unknownTopicToo: boolean): boolean {
  const type = kafkaErrorType(error) ?? ''
  return LEADER_ERRORS.has(type) || (unknownTopicToo && type === 'UNKNOWN_TOPIC_OR_PARTITION')
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** run(), again after a growing pause while it fails with a leader election error, until SETTLE_WAIT_MS. */
export async function retryWhileLeadersSettle<T>(run: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + SETTLE_WAIT_MS
  for (let pauseMs = 100; ; pauseMs = Math.min(pauseMs * 2, 1000)) {
    try {
      return await run()
    } catch (error) {
      if (!settling(error, false) || Date.now() + pauseMs > deadline) throw error
    }
    await sleep(pauseMs)
  }
}

/** True when createTopics failed only while waiting for the leaders of the topic it created. */
export function failedAwaitingLeaders(error: unknown): boolean {
  return settling(error, true)
}

/** Wait until every partition of `topic` (just created) has a leader. */
export async function awaitLeaders(admin: Admin, topic: string): Promise<void> {
  const deadline = Date.now() + SETTLE_WAIT_MS
  for (let pauseMs = 100; ; pauseMs = Math.min(pauseMs * 2, 1000)) {
    try {
      const {topics} = await admin.fetchTopicMetadata({topics: [topic]})
      const partitions = topics.find((t) => t.name === topic)?.partitions ?? []
      if (partitions.length > 0 && partitions.every((p) => p.leader >= 0)) return
    } catch (error) {
      if (!settling(error, true)) throw error
    }
    if (Date.now() + pauseMs > deadline) {
      throw new TimeoutError(`topic "${topic}" was created, but its partitions had no leader after ${SETTLE_WAIT_MS} ms`)
    }
    await sleep(pauseMs)
  }
}
