// Waiting out a new topic's leader elections (src/drivers/kafka/settling.ts), against a scripted
// stand-in for kafkajs's admin client: a loaded broker's timing cannot be had on demand. The
// declare and inspect paths it serves run against the real broker in the conformance suite.
import type {Admin} from 'kafkajs'
import {describe, expect, it} from 'vitest'
import {declareTopic, partitionOffsets} from '../../src/drivers/kafka/admin.js'
import {NotFoundError} from '../../src/errors.js'

const protocolError = (type: string) => Object.assign(new Error(`broker says ${type}`), {type, retriable: true})

describe('kafka: a new topic whose leaders are slow to be elected', () => {
  it('declare: createTopics giving up while waiting for leaders still reports the topic created, once every partition has one', async () => {
    const leaders = [[-1, -1], [0, -1], [0, 0]]
    let metadataCalls = 0
    const admin = {
      createTopics: async () => {
        throw protocolError('LEADER_NOT_AVAILABLE')
      },
      fetchTopicMetadata: async () => {
        const now = leaders[Math.min(metadataCalls++, leaders.length - 1)]
        if (metadataCalls === 1) throw protocolError('UNKNOWN_TOPIC_OR_PARTITION') // not in the metadata yet
        return {topics: [{name: 't', partitions: now.map((leader, partitionId) => ({partitionId, leader}))}]}
      },
    } as unknown as Admin
    await expect(declareTopic(admin, {name: 't', partitions: 2})).resolves.toEqual({created: true})
    expect(metadataCalls).toBeGreaterThanOrEqual(3)
  })

  it('inspect offsets: NOT_LEADER_FOR_PARTITION is retried; an unknown topic is not', async () => {
    let calls = 0
    let missingCalls = 0
    const admin = {
      fetchTopicOffsets: async (topic: string) => {
        if (topic === 'missing') {
          missingCalls++
          throw protocolError('UNKNOWN_TOPIC_OR_PARTITION')
        }
        if (++calls < 3) throw protocolError('NOT_LEADER_FOR_PARTITION')
        return [{partition: 0, low: '0', high: '5', offset: '5'}]
      },
    } as unknown as Admin
    await expect(partitionOffsets(admin, 't')).resolves.toEqual([{partition: 0, earliest: 0, latest: 5}])
    expect(calls).toBe(3)
    await expect(partitionOffsets(admin, 'missing')).rejects.toBeInstanceOf(NotFoundError)
    expect(missingCalls).toBe(1) // asked once, not retried (a count, not a clock: no flake on a busy machine)
  })
})
