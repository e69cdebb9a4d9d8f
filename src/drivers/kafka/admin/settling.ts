// Waiting out a new topic's leader elections. A broker that has just created a topic answers
// requests about it with LEADER_NOT_AVAILABLE / NOT_LEADER_FOR_PARTITION (and metadata with
// UNKNOWN_TOPIC_OR_PARTITION) until every partition has elected its leader. On a loaded machine
// that outlasts the client's own retries (../config.ts RETRY: kept short so that a broker that is
// gone is reported quickly), and a declare followed at once by an inspect would fail. These
// waits are only for errors a broker that answers gives, and are bounded by SETTLE_WAIT_MS.
import type {Admin} from 'kafkajs'
import {TimeoutError} from '../../../errors.js'
import {kafkaErrorType, metadataRequestFailed} from '../errors.js'

/** @default 10000 — longest wait for a new topic's partitions to have leaders. */
export const SETTLE_WAIT_MS = 10_000

const LEADER_ERRORS = new Set(['LEADER_NOT_AVAILABLE', 'NOT_LEADER_FOR_PARTITION'])

function settling(error: unknown, unknownTopicToo: boolean): boolean {
  const type = kafkaErrorType(error) ?? ''
  return LEADER_ERRORS.has(type) || (unknownTopicToo && type === 'UNKNOWN_TOPIC_OR_PARTITION')
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * attempt() until it gives a value, again after a growing pause while it gives undefined or
 * fails with a leader election error, for SETTLE_WAIT_MS at most; then `timedOut()` (or the
 * last error) is thrown.
 */
async function untilSettled<T>(attempt: () => Promise<T | undefined>, unknownTopicToo: boolean, timedOut: () => Error): Promise<T> {
  const deadline = Date.now() + SETTLE_WAIT_MS
  for (let pauseMs = 100; ; pauseMs = Math.min(pauseMs * 2, 1000)) {
    let failure: unknown
    try {
      const value = await attempt()
      if (value !== undefined) return value
    } catch (error) {
      if (!settling(error, unknownTopicToo)) throw error
      failure = error
    }
    if (Date.now() + pauseMs > deadline) throw failure ?? timedOut()
    await sleep(pauseMs)
  }
}

/** run(), again while it fails with a leader election error, until SETTLE_WAIT_MS. */
export function retryWhileLeadersSettle<T>(run: () => Promise<T>): Promise<T> {
  return untilSettled(run, false, () => new TimeoutError('leader election did not settle'))
}

/** True when createTopics failed only while waiting for the leaders of the topic it created. */
export function failedAwaitingLeaders(error: unknown): boolean {
  return settling(error, true)
}

/** Wait until every partition of `topic` (just created) has a leader. */
export async function awaitLeaders(admin: Admin, topic: string): Promise<void> {
  await untilSettled(
    async () => {
      // A metadata request that failed inside kafkajs (../errors.ts) is the topic still settling too.
      const answer = await admin.fetchTopicMetadata({topics: [topic]}).catch((error: unknown) => {
        if (metadataRequestFailed(error)) return undefined
        throw error
      })
      if (answer === undefined) return undefined
      const {topics} = answer
      const partitions = topics.find((t) => t.name === topic)?.partitions ?? []
      return partitions.length > 0 && partitions.every((p) => p.leader >= 0) ? true : undefined
    },
    true,
    () => new TimeoutError(`topic "${topic}" was created, but its partitions had no leader after ${SETTLE_WAIT_MS} ms`),
  )
}
