// `publish --recover` and `consume --recover` through a Kafka broker stopped and started again
// (issue 15), on a private broker (the shared one is never touched). Ground truth: every line is in
// the topic (publish) or was written (consume) at least once, and each command exits 0.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {kafkaAvailable, waitFor} from '../../helpers/brokers.js'
import {exitCodeWithin, startCli} from '../../helpers/cli.js'
import {kafkaDriver, publishAll, topicName} from './helpers.js'
import {privateKafka, type PrivateKafka} from './private-broker.js'

const available = await kafkaAvailable() // the shared broker's jars are what the private one runs on
const LINES = 3000
const idOf = (i: number) => `k${String(i).padStart(5, '0')}`
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Every record's body in `topic`, read from the beginning by a fresh consumer. */
async function bodiesOf(url: string, topic: string, atLeast: number): Promise<string[]> {
  const driver = await kafkaDriver(url)
  const bodies: string[] = []
  try {
    const sub = await driver.consume(topic, {from: {kind: 'beginning'}, prefetch: 1000}, async (d) => {
      bodies.push(d.body.toString())
      await d.ack()
    })
    await waitFor(`${atLeast} records in ${topic} (have ${bodies.length})`, () => bodies.length >= atLeast, 60_000)
    await sleep(500) // duplicates still coming
    await sub.cancel()
    return bodies
  } finally {
    await driver.close()
  }
}

describe.runIf(available)('publish and consume --recover through a Kafka restart (private broker)', () => {
  let broker: PrivateKafka
  beforeAll(async () => {
    broker = await privateKafka({sasl: false})
    await broker.start()
  }, 180_000)
  afterAll(async () => {
    await broker?.destroy()
  }, 90_000)

  it('publish --recover: lines written while the broker is away wait and go out once it is back; every line is in the topic', async () => {
    const topic = topicName('recover-publish')
    const setup = await kafkaDriver(broker.url)
    await setup.declare({name: topic, partitions: 1})
    await setup.close()
    const lines = Array.from({length: LINES}, (_, i) => `${idOf(i)}\n`)
    const running = startCli(['publish', topic, '--url', broker.url, '--recover', '--connect-timeout', '3s'])
    running.child.stdin.write(lines.slice(0, LINES / 2).join(''))
    // The broker stops once the command has connected and published (its start-up on a loaded
    // machine can outlast any fixed sleep; a first connect that fails is exit 3, not a recovery).
    const watcher = await kafkaDriver(broker.url)
    await waitFor('records published before the stop', async () => ((await watcher.inspect([topic])).queues[0]?.ready ?? 0) > 0, 60_000, 100)
    await watcher.close()
    await broker.stop()
    running.child.stdin.end(lines.slice(LINES / 2).join(''))
    await sleep(1000)
    await broker.start()
    const code = await exitCodeWithin(running, 180_000)
    expect(code, running.stderr()).toBe(0)
    expect(running.stderr()).toMatch(/connection lost/)
    expect(running.stderr()).toMatch(/reconnected after \d+ attempts?/)
    const bodies = new Set(await bodiesOf(broker.url, topic, LINES))
    const missing = lines.map((l) => l.trim()).filter((id) => !bodies.has(id))
    expect(missing).toEqual([])
  }, 300_000)

  it('consume --recover --group: reading through the restart, every record is written at least once, exit 0', async () => {
    const topic = topicName('recover-consume')
    const setup = await kafkaDriver(broker.url)
    await setup.declare({name: topic, partitions: 1})
    await publishAll(
      setup,
      topic,
      Array.from({length: LINES}, (_, i) => idOf(i)),
    )
    await setup.close()
    const running = startCli(['consume', topic, '--url', broker.url, '--group', 'recover-test', '--recover', '--idle-timeout', '8s', '--connect-timeout', '3s'])
    // Read slowly (about 100 lines/s) so the restart lands mid-way.
    running.child.stdout.on('data', (chunk: Buffer) => {
      running.child.stdout.pause()
      setTimeout(() => running.child.stdout.resume(), Math.ceil(chunk.length / 100))
    })
    await waitFor('the first lines', () => running.stdout().length > 0, 60_000)
    await broker.stop()
    await sleep(1000)
    await broker.start()
    const code = await exitCodeWithin(running, 240_000)
    expect(code, running.stderr()).toBe(0)
    // (kafkajs may ride out a short outage itself, restarting its consumer: no reconnect line then.)
    const written = new Set(running.stdout().split('\n').filter(Boolean))
    const missing = Array.from({length: LINES}, (_, i) => idOf(i)).filter((id) => !written.has(id))
    expect(missing).toEqual([])
  }, 360_000)
})
