// Per-key order when a partition's leader moves, once per ?client=: `mqkit publish` streams keyed
// lines (stdin, -K :) into topics replicated 3 ways (min.insync.replicas=2) on a private 3-node
// KRaft cluster while the leader of partition 0 moves:
//   - a preferred-leader election onto another replica (the old leader answers
//     NOT_LEADER_OR_FOLLOWER; every broker stays up): the plain run must ride it out, exit 0;
//   - a SIGKILL of the leader (its connections die mid-request; the controller fences it and elects
//     another replica): a lost broker connection may end a run without --recover (exit 3, as on
//     one broker), so this run has --recover, which sends again what was left unconfirmed.
// With acks=all (the default) and at most one produce request in flight, everything confirmed must
// be stored, each key's records in publish order when the first copy of each is taken; records sent
// again may be stored twice (counted and printed).
// The topics are read back by kcat (librdkafka): neither of the clients under test.
// ALONE (vitest.config.ts): three brokers boot here, and the leader moves are timed against a stream.
import {execFile} from 'node:child_process'
import {type Admin, Kafka, logLevel} from 'kafkajs'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {IN_CI, kafkaAvailable, uniqueName, waitFor} from '../../helpers/brokers.js'
import {startCli} from '../../helpers/cli.js'
import {CLIENTS, withClient} from './helpers.js'
import {privateKafkaCluster, type PrivateKafkaCluster} from './private-broker.js'

const available = await kafkaAvailable() // the jars of the broker under test are what the cluster runs on
const KEYS = 6
/** Node ids (1-based) of the replicas of the topics' partitions 0 and 1, preferred leader first. */
const REPLICAS = [
  [1, 2, 3],
  [2, 3, 1],
]
/** Lines written per tick (one per key) every TICK_MS: about 300 msg/s, so every move meets a stream. */
const TICK_MS = 20

function kcatAvailable(): Promise<boolean> {
  return new Promise((resolve) => execFile('kcat', ['-V'], (error) => resolve(error === null)))
}
const hasKcat = await kcatAvailable()
if (!hasKcat) {
  if (IN_CI) throw new Error('kcat is not installed (CI=true: the leader-move test must not be skipped)')
  process.stderr.write('[skip] kcat is not installed; the leader-move test reads the topic back with it\n')
}

/** Every record of `topic` as "partition key body", read from the beginning by kcat until the end. */
function readWithKcat(brokers: string, topic: string): Promise<Array<{partition: number; key: string; body: string}>> {
  return new Promise((resolve, reject) => {
    execFile(
      'kcat',
      ['-C', '-b', brokers, '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%p %k %s\\n'],
      {maxBuffer: 64 * 1024 * 1024, timeout: 30_000},
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`kcat failed: ${error.message}\n${stderr}`))
        resolve(
          stdout
            .split('\n')
            .filter(Boolean)
            .map((line) => {
              const [partition, key, body] = line.split(' ')
              return {partition: Number(partition), key, body}
            }),
        )
      },
    )
  })
}

describe.runIf(available && hasKcat)('kafka: the partition leader moves while mqkit publish streams keyed messages (private 3-node cluster)', () => {
  let cluster: PrivateKafkaCluster
  let brokers: string
  let admin: Admin

  beforeAll(async () => {
    cluster = await privateKafkaCluster(3)
    await cluster.start()
    brokers = cluster.nodes.map((node) => `127.0.0.1:${node.port}`).join(',')
    admin = new Kafka({clientId: 'mqkit-test-observer', brokers: brokers.split(','), logLevel: logLevel.NOTHING}).admin()
    await admin.connect()
  }, 240_000)
  afterAll(async () => {
    await admin?.disconnect()
    await cluster?.destroy()
  }, 90_000)

  /** Node id of partition 0's leader as the cluster's metadata says; -1 while unknown (a dead node's connection included). */
  async function leaderOf(topic: string): Promise<number> {
    try {
      const [{partitions}] = (await admin.fetchTopicMetadata({topics: [topic]})).topics
      return partitions.find((p) => p.partitionId === 0)?.leader ?? -1
    } catch {
      return -1
    }
  }

  async function createTopic(topic: string): Promise<void> {
    // Leaders awaited below: kafkajs's own wait gives up on a broker that does not know the topic yet.
    await admin.createTopics({
      waitForLeaders: false,
      topics: [
        {
          topic,
          replicaAssignment: REPLICAS.map((replicas, partition) => ({partition, replicas})),
          configEntries: [{name: 'min.insync.replicas', value: '2'}],
        },
      ],
    })
    await waitFor(`${topic}: partition 0 led by node ${REPLICAS[0][0]}`, async () => (await leaderOf(topic)) === REPLICAS[0][0], 20_000)
  }

  /**
   * `mqkit publish` fed KEYS lines every TICK_MS; `move` runs once it has streamed for a while,
   * and the stream goes on for a while after. Resolves with what was written per key and how it ended.
   */
  async function streamThrough(url: string, topic: string, extraArgs: string[], move: () => Promise<void>) {
    const publish = startCli(['publish', topic, '-K', ':', '--json', '--url', url, ...extraArgs])
    let open = true
    publish.child.stdin.on('error', () => (open = false)) // it exited early: its exit code tells
    void publish.exited.then(() => (open = false))
    const sent: string[][] = Array.from({length: KEYS}, () => [])
    let sequence = 0
    const feeder = setInterval(() => {
      if (!open) return
      let lines = ''
      for (let key = 0; key < KEYS; key++) {
        const body = `${key}-${sequence}`
        sent[key].push(body)
        lines += `k${key}:${body}\n`
      }
      sequence++
      publish.child.stdin.write(lines)
    }, TICK_MS)
    const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
    try {
      await pause(1500)
      await move()
      await pause(1500)
    } finally {
      clearInterval(feeder)
      if (open) publish.child.stdin.end()
    }
    const exit = await publish.exited
    return {sent, total: sequence * KEYS, code: exit.code, stdout: publish.stdout(), stderr: publish.stderr()}
  }

  /** kcat's copy of `topic` against what was sent: complete, one partition per key, publish order per key. Returns the duplicates. */
  async function checkStored(topic: string, sent: string[][], total: number): Promise<number> {
    const stored = await readWithKcat(brokers, topic)
    let duplicates = 0
    for (let key = 0; key < KEYS; key++) {
      const records = stored.filter((r) => r.key === `k${key}`)
      expect(new Set(records.map((r) => r.partition)).size).toBe(1)
      const bodies = records.map((r) => r.body)
      const firsts = bodies.filter((body, index) => bodies.indexOf(body) === index)
      expect(firsts).toEqual(sent[key])
      duplicates += bodies.length - firsts.length
    }
    expect(stored.length).toBe(total + duplicates)
    return duplicates
  }

  it.each(CLIENTS)(
    '?client=%s, a leader election (no broker lost): exit 0, every message stored, each key in publish order',
    async (client) => {
      const topic = uniqueName(`kafka-leader-elected-${client}`)
      await createTopic(topic)
      // Partition 0's replicas reordered (the same set: nothing to copy), then the new preferred
      // replica elected.
      const next = REPLICAS[0][1]
      const run = await streamThrough(withClient(cluster.url, client), topic, [], async () => {
        await admin.alterPartitionReassignments({topics: [{topic, partitionAssignment: [{partition: 0, replicas: [next, REPLICAS[0][2], REPLICAS[0][0]]}]}]})
        await cluster.nodes[0].run('org.apache.kafka.tools.LeaderElectionCommand', [
          '--bootstrap-server',
          brokers,
          '--election-type',
          'PREFERRED',
          '--topic',
          topic,
          '--partition',
          '0',
        ])
        await waitFor(`partition 0 led by node ${next}`, async () => (await leaderOf(topic)) === next, 20_000)
      })
      expect(run.code, run.stderr).toBe(0)
      expect(JSON.parse(run.stdout).confirmed).toBe(run.total)
      const duplicates = await checkStored(topic, run.sent, run.total)
      process.stderr.write(`[leader-move ?client=${client}] election: ${run.total} confirmed, ${duplicates} stored twice\n`)
    },
    60_000,
  )

  // Each run ends with all three nodes up again except the last.
  const KILL_CLIENTS = CLIENTS
  it.each(KILL_CLIENTS)(
    '?client=%s, the leader killed, with --recover: every message stored, each key in publish order (the first copy of each)',
    async (client) => {
      const topic = uniqueName(`kafka-leader-killed-${client}`)
      await createTopic(topic)
      let killedNode = -1
      try {
        const run = await streamThrough(withClient(cluster.url, client), topic, ['--recover'], async () => {
          killedNode = await leaderOf(topic)
          cluster.nodes[killedNode - 1].kill()
          await waitFor('partition 0 led by another node', async () => ![-1, killedNode].includes(await leaderOf(topic)), 30_000)
        })
        expect(run.code, run.stderr).toBe(0)
        const summary = JSON.parse(run.stdout)
        expect(summary.confirmed).toBe(run.total)
        const duplicates = await checkStored(topic, run.sent, run.total)
        process.stderr.write(`[leader-move ?client=${client}] killed leader: ${run.total} confirmed, ${summary.resent} re-sent, ${duplicates} stored twice\n`)
      } finally {
        // The next run needs all three nodes.
        if (killedNode > 0 && client !== KILL_CLIENTS[KILL_CLIENTS.length - 1]) await cluster.nodes[killedNode - 1].start()
      }
    },
    90_000,
  )
})
