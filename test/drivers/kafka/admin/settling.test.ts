// Waiting out a new topic's leader elections (src/drivers/kafka/admin/settling.ts), against a scripted
// stand-in for kafkajs's admin client: a loaded broker's timing cannot be had on demand. The
// declare and inspect paths it serves run against the real broker in the conformance suite.
import type {Admin} from 'kafkajs'
import {describe, expect, it} from 'vitest'
import {declareTopic, describeTopic, partitionOffsets, requireTopic} from '../../../../src/drivers/kafka/admin/admin.js'
import {inspectTopics} from '../../../../src/drivers/kafka/admin/inspect.js'
import {serverInfo} from '../../../../src/drivers/kafka/admin/server-info.js'
import {ConnectionError, NotFoundError} from '../../../../src/errors.js'

/** The ConnectionError (exit 3) every path gives when kafkajs's metadata request failed inside it. */
async function expectNoMetadataAnswer(attempt: Promise<unknown>, action: string): Promise<void> {
  const error = await attempt.catch((e: unknown) => e)
  expect(error).toBeInstanceOf(ConnectionError)
  expect((error as Error).message).toBe(`${action}: the broker did not answer the metadata request`)
}

const protocolError = (type: string) => Object.assign(new Error(`broker says ${type}`), {type, retriable: true})

describe('kafka: a new topic whose leaders are slow to be elected', () => {
  it('declare: createTopics giving up while waiting for leaders still reports the topic created, once every partition has one', async () => {
    const leaders = [
      [-1, -1],
      [0, -1],
      [0, 0],
    ]
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

describe('kafka: a metadata request that failed inside kafkajs', () => {
  // What kafkajs's fetchTopicMetadata throws when its broker pool swallowed the request's error.
  const nullMetadata = () => new TypeError("Cannot read properties of null (reading 'topicMetadata')")

  it('a topic the topic list no longer has is not found (seen right after a delete), not an internal error', async () => {
    const admin = {
      fetchTopicMetadata: async () => {
        throw nullMetadata()
      },
      listTopics: async () => ['other'],
    } as unknown as Admin
    await expect(describeTopic(admin, 't')).resolves.toBeUndefined()
    await expect(requireTopic(admin, 't', 'inspect')).rejects.toThrow(NotFoundError)
  })

  it('declare: while a new topic settles, such a failure means wait, not fail', async () => {
    let calls = 0
    const admin = {
      createTopics: async () => {
        throw protocolError('LEADER_NOT_AVAILABLE')
      },
      fetchTopicMetadata: async () => {
        if (++calls === 1) throw nullMetadata()
        return {topics: [{name: 't', partitions: [{partitionId: 0, leader: 0}]}]}
      },
    } as unknown as Admin
    await expect(declareTopic(admin, {name: 't', partitions: 1})).resolves.toEqual({created: true})
    expect(calls).toBe(2)
  })

  it('a topic the list still has is asked for again; a second failure is a connection error naming the topic', async () => {
    let calls = 0
    const flaky = {
      fetchTopicMetadata: async () => {
        if (++calls === 1) throw nullMetadata()
        return {
          topics: [
            {
              name: 't',
              partitions: [
                {partitionId: 1, replicas: [1]},
                {partitionId: 0, replicas: [1]},
              ],
            },
          ],
        }
      },
      listTopics: async () => ['t'],
    } as unknown as Admin
    await expect(describeTopic(flaky, 't')).resolves.toEqual({name: 't', partitions: [0, 1], replication: 1})
    expect(calls).toBe(2)
    const broken = {
      fetchTopicMetadata: async () => {
        throw nullMetadata()
      },
      listTopics: async () => ['t'],
    } as unknown as Admin
    await expectNoMetadataAnswer(describeTopic(broken, 't'), 'describe topic "t"')
  })

  it('describing the cluster (bench result metadata) maps it to the same connection error', async () => {
    const admin = {
      describeCluster: async () => {
        throw new TypeError("Cannot destructure property 'brokers' of '(intermediate value)' as it is null.")
      },
    } as unknown as Admin
    await expectNoMetadataAnswer(serverInfo(admin, '127.0.0.1:9092'), 'describe the cluster')
  })

  it('listing topics (inspect with no names) maps it to the same connection error', async () => {
    const admin = {
      listTopics: async () => {
        // kafkajs destructures the null answer: the other wording of the same failure.
        throw new TypeError("Cannot destructure property 'topicMetadata' of '(intermediate value)' as it is null.")
      },
      describeCluster: async () => ({brokers: [], controller: null, clusterId: 'c'}),
    } as unknown as Admin
    await expectNoMetadataAnswer(inspectTopics(admin, []), 'list topics')
  })
})
