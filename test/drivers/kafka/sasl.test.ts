// SASL on a broker started by scripts/kafka.sh (a private one: the shared broker may predate the
// SASL listener, and tests start what they need): publish and consume through the CLI with PLAIN
// and SCRAM-SHA-256/512; a wrong password is exit 3 with one line that never shows the password.
// A second broker is first started as an older script did (no listener, storage without SCRAM
// users), then restarted by this one: the users are added through the admin API.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {kafkaAvailable, uniqueName} from '../../helpers/brokers.js'
import {runCli} from '../../helpers/cli.js'
import {CLIENTS, withClient} from './helpers.js'
import {privateKafka, SASL_PASSWORD, SASL_USER, type PrivateKafka} from './private-broker.js'

const available = await kafkaAvailable() // the shared broker's jars are what the private ones run on

const saslUrl = (broker: PrivateKafka, mechanism: string, password = SASL_PASSWORD) =>
  `kafka://${SASL_USER}:${password}@127.0.0.1:${broker.saslPort}?sasl=${mechanism}`

async function roundTrip(broker: PrivateKafka, mechanism: string, client?: (typeof CLIENTS)[number]): Promise<void> {
  const url = client === undefined ? saslUrl(broker, mechanism) : withClient(saslUrl(broker, mechanism), client)
  const topic = uniqueName(`kafka-sasl-${mechanism}`)
  const cli = (args: string[], input?: string) => runCli([...args, '--url', url], {input, timeoutMs: 45_000})
  const declared = await cli(['declare', topic, '--partitions', '2'])
  expect(declared.code, declared.stderr).toBe(0)
  const published = await cli(['publish', topic], 'one\ntwo\nthree\n')
  expect(published.code, published.stderr).toBe(0)
  const consumed = await cli(['consume', topic, '--from', 'beginning', '-e'])
  expect(consumed.code, consumed.stderr).toBe(0)
  expect(consumed.stdout.split('\n').filter(Boolean).sort()).toEqual(['one', 'three', 'two'])
  expect((await cli(['delete', topic])).code).toBe(0)
}

describe.runIf(available)('kafka SASL_PLAINTEXT listener from scripts/kafka.sh (private broker)', () => {
  let broker: PrivateKafka
  beforeAll(async () => {
    broker = await privateKafka()
    await broker.start()
  }, 180_000)
  afterAll(async () => broker?.destroy(), 90_000)

  it.each(CLIENTS.flatMap((client) => ['plain', 'scram-sha-256', 'scram-sha-512'].map((mechanism) => [mechanism, client] as const)))(
    'publish and consume with ?sasl=%s, ?client=%s',
    async (mechanism, client) => {
      await roundTrip(broker, mechanism, client)
    },
  )

  it.each(['plain', 'scram-sha-512'])('a wrong password (?sasl=%s) → exit 3, one line, password not shown', async (mechanism) => {
    const wrong = 'Wr0ngPassw0rd'
    const result = await runCli(['inspect', '--url', saslUrl(broker, mechanism, wrong)], {timeoutMs: 45_000})
    expect(result.code).toBe(3)
    expect(result.stderr.trim().split('\n')).toHaveLength(1)
    expect(result.stderr).toMatch(/^mqkit: Kafka authentication failed at 127\.0\.0\.1:\d+: .*(invalid credentials|Invalid username or password)/)
    expect(result.stderr + result.stdout).not.toContain(wrong)
  })

  it('on success the password is never printed: bench --json meta.url and progress, inspect', async () => {
    const url = saslUrl(broker, 'scram-sha-256')
    const shown = `kafka://${SASL_USER}:***@127.0.0.1:${broker.saslPort}?sasl=scram-sha-256`
    const topic = uniqueName('kafka-sasl-bench')
    const [json, progress] = await Promise.all([
      runCli(['bench', '--url', url, '--count', '200', '--queue', topic, '--keep', '--json'], {timeoutMs: 60_000}),
      runCli(['bench', '--url', url, '--count', '200', '--queue', `${topic}-text`, '--interval', '100ms'], {timeoutMs: 60_000}),
    ])
    expect(json.code, json.stderr).toBe(0)
    expect(JSON.parse(json.stdout).meta.url).toBe(shown)
    expect(progress.code, progress.stderr).toBe(0)
    expect(progress.stderr).toContain(shown)
    const [table, inspected] = await Promise.all([
      runCli(['inspect', topic, '--url', url], {timeoutMs: 45_000}),
      runCli(['inspect', topic, '--url', url, '--json'], {timeoutMs: 45_000}),
    ])
    expect([table.code, inspected.code]).toEqual([0, 0])
    for (const output of [json.stdout, json.stderr, progress.stdout, progress.stderr, table.stdout, table.stderr, inspected.stdout, inspected.stderr]) {
      expect(output).not.toContain(SASL_PASSWORD)
    }
    await runCli(['delete', topic, '--url', url])
  })

  it('the PLAINTEXT listener is unchanged (no credentials needed)', async () => {
    const result = await runCli(['inspect', '--url', broker.url, '--json'], {timeoutMs: 45_000})
    expect(result.code, result.stderr).toBe(0)
  })
})

describe.runIf(available)('kafka SASL added to a broker formatted by an older script (private broker)', () => {
  let broker: PrivateKafka & {enableSasl(): void}
  afterAll(async () => broker?.destroy(), 90_000)

  it('restarted with the SASL listener: SCRAM users are added, SCRAM-SHA-256 works', async () => {
    broker = await privateKafka({sasl: false})
    await broker.start()
    await broker.stop()
    broker.enableSasl()
    await broker.start()
    await roundTrip(broker, 'scram-sha-256')
  }, 240_000)
})
