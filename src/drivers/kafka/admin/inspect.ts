// inspect: topics with per-partition earliest/latest offsets; with a group, committed offsets
// and lag. For Kafka the "queue length" of mqkit's metrics is the group's lag (messages the
// group has not committed yet); without a group it is what the topic retains.
import kafkajs from 'kafkajs'
import type {Admin} from 'kafkajs'
import type {InspectOptions, InspectResult, QueueStats} from '../../types.js'
import {partitionOffsets, requireTopic} from './admin.js'
import {toMqkitError} from '../errors.js'
import {committedOffsets} from './group-offsets.js'

const {AssignerProtocol} = kafkajs

export const INSPECT_SOURCE = 'Kafka admin API (metadata + offsets)'

/** Unacked deliveries of this driver's own subscriptions for (topic, group). */
export type LocalInFlight = (topic: string, group: string) => number

/**
 * With a group: ready = lag minus what this driver's own subscriptions hold unacked (inFlight).
 * Deliveries held by OTHER processes cannot be seen from here and count as ready.
 */
export async function inspectTopics(
  admin: Admin,
  names: string[],
  options: InspectOptions = {},
  localInFlight: LocalInFlight = () => 0,
): Promise<InspectResult> {
  const group = options.group
  // The group's members and the cluster facts are independent of the topics: asked for at once,
  // so a bench queue-length sample costs two round trips, not five.
  const membersRead = group === undefined ? undefined : groupMembers(admin, group)
  const factsRead = clusterFacts(admin)
  // Settled now so that an early throw below leaves no unhandled rejection; awaited at the end.
  membersRead?.catch(() => {})
  const topics = names.length > 0 ? names : await listUserTopics(admin)
  const queues: QueueStats[] = []
  for (const name of topics) {
    const info = await requireTopic(admin, name, 'inspect')
    // Commits and end offsets read at the same moment (kafkajs reads the end offsets first): read
    // one after the other, consumers and producers move on in between, and under load the lag
    // comes out high by a round trip's worth of messages. A commit seen ahead of the end offset read beside it makes a
    // partition's lag 0, not negative.
    const [committed, offsets] = await Promise.all([group === undefined ? undefined : committedOffsets(admin, group, name), partitionOffsets(admin, name)])
    let retained = 0
    let lag = 0
    const partitions = offsets.map((o) => {
      retained += o.latest - o.earliest
      if (committed === undefined) return {partition: o.partition, earliest: o.earliest, latest: o.latest}
      const position = committed.get(o.partition)
      // No commit yet: everything retained is still to be read (a reset to "latest" would say 0).
      const partitionLag = Math.max(0, o.latest - Math.max(position ?? o.earliest, o.earliest))
      lag += partitionLag
      return {partition: o.partition, earliest: o.earliest, latest: o.latest, committed: position ?? null, lag: partitionLag}
    })
    const inFlight = group === undefined ? 0 : Math.min(lag, localInFlight(name, group))
    const members = await membersRead
    const stats: QueueStats = {
      name,
      ready: committed === undefined ? retained : lag - inFlight,
      inFlight,
      consumers: members === undefined ? 0 : members.filter((m) => m.topics === undefined || m.topics.includes(name)).length,
      extras: {partitions, replication: info.replication, retained, ...(group === undefined ? {} : {group})},
    }
    if (committed !== undefined) stats.lag = lag
    queues.push(stats)
  }
  return {
    queues,
    source:
      group === undefined
        ? `${INSPECT_SOURCE}; ready = messages retained`
        : `${INSPECT_SOURCE}; ready = lag of group "${group}" (latest - committed) minus this process's unacked deliveries`,
    extras: {...(await factsRead), queueLength: group === undefined ? 'retained messages (latest - earliest)' : 'consumer-group lag (latest - committed)'},
  }
}

async function listUserTopics(admin: Admin): Promise<string[]> {
  try {
    // Internal topics (__consumer_offsets, __transaction_state, ...) are the broker's own.
    return (await admin.listTopics()).filter((name) => !name.startsWith('__')).sort()
  } catch (error) {
    throw toMqkitError(error, {action: 'list topics'})
  }
}

interface Member {
  memberId: string
  clientId: string
  /** Topics in its assignment; undefined when the assignment cannot be decoded. */
  topics?: string[]
}

async function groupMembers(admin: Admin, groupId: string): Promise<Member[]> {
  try {
    const {groups} = await admin.describeGroups([groupId])
    return (groups[0]?.members ?? []).map((m) => {
      let topics: string[] | undefined
      try {
        const decoded = AssignerProtocol.MemberAssignment.decode(m.memberAssignment)
        topics = decoded ? Object.keys(decoded.assignment) : undefined
      } catch {
        topics = undefined
      }
      return {memberId: m.memberId, clientId: m.clientId, topics}
    })
  } catch (error) {
    throw toMqkitError(error, {action: `describe group "${groupId}"`})
  }
}

async function clusterFacts(admin: Admin): Promise<Record<string, unknown>> {
  try {
    const cluster = await admin.describeCluster()
    return {clusterId: cluster.clusterId, controller: cluster.controller, brokers: cluster.brokers.map((b) => `${b.host}:${b.port}`)}
  } catch {
    return {}
  }
}
