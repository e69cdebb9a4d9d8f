// Topic administration: declare (create or verify), delete, purge, and the topic metadata that
// publish/consume need. A topic is the Kafka reading of a backend-neutral queue.
import kafkajs from 'kafkajs'
import type {Admin, ITopicConfig} from 'kafkajs'
import {NotFoundError, PreconditionError, UnsupportedError, UsageError} from '../../../errors.js'
import type {DeclareResult, QueueSpec} from '../../types.js'
import {kafkaErrorType, metadataRequestFailed, toMqkitError} from '../errors.js'
import {awaitLeaders, failedAwaitingLeaders, retryWhileLeadersSettle} from './settling.js'

const {ConfigResourceTypes} = kafkajs

export interface TopicInfo {
  name: string
  /** Partition ids, ascending. */
  partitions: number[]
  replication: number
}

/**
 * QueueSpec fields with no Kafka meaning. Refused rather than ignored, so that nobody believes a
 * topic has a priority or a dead-letter target. (A topic's retention is by time/bytes of whole
 * segments, never a count of messages, hence maxLength too.)
 */
const UNSUPPORTED: Array<[keyof QueueSpec, string]> = [
  ['maxPriority', 'Kafka has no message priorities'],
  ['maxLength', 'Kafka limits a topic by bytes or time (retention), not by message count'],
  ['overflow', 'Kafka has no overflow policy: old segments are removed by retention'],
  ['deadLetter', 'Kafka has no dead-letter routing'],
  ['deadLetterKey', 'Kafka has no dead-letter routing'],
  ['queueType', 'queue types are a RabbitMQ setting'],
  ['exclusive', 'Kafka topics cannot be exclusive to a connection'],
  ['autoDelete', 'Kafka topics are never deleted automatically'],
  ['expiresMs', 'Kafka topics do not expire when unused'],
  ['singleActiveConsumer', 'use one partition and one consumer group member instead'],
]

/** Kafka topic configs the neutral spec maps to; the rest comes from `args`. */
export function topicConfigsFromSpec(spec: QueueSpec): Record<string, string> {
  for (const [field, why] of UNSUPPORTED) {
    if (spec[field] !== undefined) throw new UnsupportedError(`${field} is not supported on kafka:// topics: ${why}`)
  }
  if (spec.durable === false) throw new UnsupportedError('durable=false is not supported on kafka:// topics: they are always stored on disk')
  const configs: Record<string, string> = {}
  // Retention is per segment, checked every log.retention.check.interval.ms: messages older than
  // ttlMs become eligible for deletion, they do not vanish at the millisecond.
  if (spec.ttlMs !== undefined) configs['retention.ms'] = String(integer(spec.ttlMs, 'ttlMs', 1))
  // retention.bytes applies PER PARTITION, and again by whole segments.
  if (spec.maxLengthBytes !== undefined) configs['retention.bytes'] = String(integer(spec.maxLengthBytes, 'maxLengthBytes', 1))
  for (const [key, value] of Object.entries(spec.args ?? {})) {
    if (/^x-/.test(key)) throw new UnsupportedError(`argument "${key}" is a RabbitMQ queue argument; Kafka takes topic configs such as cleanup.policy`)
    if (!/^[a-z][a-z0-9.]*$/.test(key)) throw new UsageError(`argument "${key}" is not a Kafka topic config name (e.g. cleanup.policy, max.message.bytes)`)
    configs[key] = String(value)
  }
  return configs
}

function integer(value: number, field: string, min: number): number {
  if (!Number.isInteger(value) || value < min) throw new UsageError(`${field} must be an integer ≥ ${min}, got ${value}`)
  return value
}

async function readTopic(admin: Admin, name: string): Promise<TopicInfo | undefined> {
  const {topics} = await admin.fetchTopicMetadata({topics: [name]})
  const topic = topics.find((t) => t.name === name)
  if (!topic) return undefined
  const partitions = topic.partitions.map((p) => p.partitionId).sort((a, b) => a - b)
  const replication = Math.max(0, ...topic.partitions.map((p) => p.replicas.length))
  return {name, partitions, replication}
}

export async function describeTopic(admin: Admin, name: string): Promise<TopicInfo | undefined> {
  const action = `describe topic "${name}"`
  for (let attempt = 1; ; attempt++) {
    try {
      return await readTopic(admin, name)
    } catch (error) {
      if (kafkaErrorType(error) === 'UNKNOWN_TOPIC_OR_PARTITION') return undefined
      if (attempt > 1 || !metadataRequestFailed(error)) throw toMqkitError(error, {action, topic: name})
    }
    // The request failed inside kafkajs (../errors.ts). The topic list comes from a metadata request
    // that names no topic, so a missing one cannot fail it: gone there is gone; listed, ask once more.
    let listed: boolean
    try {
      listed = (await admin.listTopics()).includes(name)
    } catch (error) {
      throw toMqkitError(error, {action, topic: name})
    }
    if (!listed) return undefined
  }
}

export async function requireTopic(admin: Admin, name: string, action: string): Promise<TopicInfo> {
  const info = await describeTopic(admin, name)
  if (!info) throw new NotFoundError(`topic "${name}" does not exist (${action}); create it with \`mqkit declare ${name}\``)
  return info
}

export async function declareTopic(admin: Admin, spec: QueueSpec): Promise<DeclareResult> {
  const configs = topicConfigsFromSpec(spec)
  if (spec.partitions !== undefined) integer(spec.partitions, 'partitions', 1)
  if (spec.replication !== undefined) integer(spec.replication, 'replication', 1)
  const topic: ITopicConfig = {
    topic: spec.name,
    // -1 = the broker's num.partitions / default.replication.factor
    numPartitions: spec.partitions ?? -1,
    replicationFactor: spec.replication ?? -1,
    configEntries: Object.entries(configs).map(([name, value]) => ({name, value})),
  }
  let created: boolean
  try {
    created = await admin.createTopics({topics: [topic], waitForLeaders: true})
  } catch (error) {
    if (!failedAwaitingLeaders(error)) throw toMqkitError(error, {action: `declare topic "${spec.name}"`, topic: spec.name})
    // Created; its leaders took longer than the client's retries (settling.ts).
    try {
      await awaitLeaders(admin, spec.name)
    } catch (waitError) {
      throw toMqkitError(waitError, {action: `declare topic "${spec.name}"`, topic: spec.name})
    }
    created = true
  }
  if (!created) await verifyExisting(admin, spec, configs)
  return {created}
}

/** An existing topic must match every setting the spec names; unnamed settings are not checked. */
async function verifyExisting(admin: Admin, spec: QueueSpec, configs: Record<string, string>): Promise<void> {
  const info = await requireTopic(admin, spec.name, 'declare')
  const differs = (setting: string, existing: string | number, declared: string | number) =>
    new PreconditionError(`topic "${spec.name}" already exists with ${setting}=${existing}, declared ${declared}`, {setting})
  if (spec.partitions !== undefined && info.partitions.length !== spec.partitions) throw differs('partitions', info.partitions.length, spec.partitions)
  if (spec.replication !== undefined && info.replication !== spec.replication) throw differs('replication', info.replication, spec.replication)
  if (Object.keys(configs).length === 0) return
  const existing = await topicConfigs(admin, spec.name)
  for (const [name, value] of Object.entries(configs)) {
    if (existing[name] !== value) throw differs(name, existing[name] ?? '(unset)', value)
  }
}

/** Every config of a topic (defaults included), as strings. */
export async function topicConfigs(admin: Admin, name: string): Promise<Record<string, string>> {
  try {
    const response = await admin.describeConfigs({resources: [{type: ConfigResourceTypes.TOPIC, name}], includeSynonyms: false})
    const out: Record<string, string> = {}
    for (const entry of response.resources[0]?.configEntries ?? []) out[entry.configName] = entry.configValue
    return out
  } catch (error) {
    throw toMqkitError(error, {action: `describe configs of topic "${name}"`, topic: name})
  }
}

export async function deleteTopic(admin: Admin, name: string): Promise<void> {
  // Checked first: for a missing topic kafkajs retries DeleteTopics before giving up.
  await requireTopic(admin, name, 'delete')
  try {
    await admin.deleteTopics({topics: [name]})
  } catch (error) {
    throw toMqkitError(error, {action: `delete topic "${name}"`, topic: name})
  }
}

export interface PartitionOffsets {
  partition: number
  /** Log start offset (earliest retained). */
  earliest: number
  /** High watermark: the offset the next message will get. */
  latest: number
}

export async function partitionOffsets(admin: Admin, name: string): Promise<PartitionOffsets[]> {
  try {
    const offsets = await retryWhileLeadersSettle(() => admin.fetchTopicOffsets(name))
    return offsets.map((o) => ({partition: o.partition, earliest: Number(o.low), latest: Number(o.high)})).sort((a, b) => a.partition - b.partition)
  } catch (error) {
    throw toMqkitError(error, {action: `read offsets of topic "${name}"`, topic: name})
  }
}

/**
 * Delete every record below the high watermark read just before (DeleteRecords). Counting from
 * the same read makes the count exact: records produced meanwhile stay and are not counted.
 */
export async function purgeTopic(admin: Admin, name: string): Promise<number> {
  await requireTopic(admin, name, 'purge')
  const offsets = await partitionOffsets(admin, name)
  const toDelete = offsets.filter((o) => o.latest > o.earliest)
  if (toDelete.length === 0) return 0
  try {
    await admin.deleteTopicRecords({topic: name, partitions: toDelete.map((o) => ({partition: o.partition, offset: String(o.latest)}))})
  } catch (error) {
    if (kafkaErrorType(error) === 'POLICY_VIOLATION') {
      throw new UnsupportedError(`cannot purge topic "${name}": records cannot be deleted from a compacted topic (cleanup.policy=compact)`, {cause: error})
    }
    throw toMqkitError(error, {action: `purge topic "${name}"`, topic: name})
  }
  return toDelete.reduce((sum, o) => sum + (o.latest - o.earliest), 0)
}
