// The backends the cross-process CLI tests run on: separate `mqkit` processes must share queues,
// so memory:// (one process) is not among them. The local store always runs; RabbitMQ and Kafka
// run when reachable (under CI=true an unreachable broker fails, see test/helpers/brokers.ts).
import os from 'node:os'
import path from 'node:path'
import {mkdtempSync, rmSync} from 'node:fs'
import {afterAll} from 'vitest'
import {createDriver} from '../../src/drivers/index.js'
import type {QueueStats} from '../../src/drivers/types.js'
import {AMQP_URL, amqpAvailable, KAFKA_URL, kafkaAvailable} from '../helpers/brokers.js'

export interface CliBackend {
  name: string
  url: string
  available: () => Promise<boolean>
  /** Extra declare flags (Kafka: one partition, so order is total). */
  declareArgs: string[]
  /**
   * Extra consume / inspect flags for a queue (Kafka: a named group that keeps its offsets; no
   * --from, so a run starts at the group's committed offsets, else the beginning: the default).
   */
  consumeArgs: (queue: string) => string[]
  inspectArgs: (queue: string) => string[]
}

const storeDir = mkdtempSync(path.join(os.tmpdir(), 'mqkit-cli-'))
// Each test file that imports this module gets its own (modules are evaluated per file); the
// hook lands on that file's suite.
afterAll(() => rmSync(storeDir, {recursive: true, force: true}))

export const CLI_BACKENDS: CliBackend[] = [
  {
    name: 'file',
    url: `file:${path.join(storeDir, 'queues.db')}`,
    available: async () => true,
    declareArgs: [],
    consumeArgs: () => [],
    inspectArgs: () => [],
  },
  {
    name: 'amqp',
    url: AMQP_URL,
    available: amqpAvailable,
    declareArgs: [],
    consumeArgs: () => [],
    inspectArgs: () => [],
  },
  {
    name: 'kafka',
    url: KAFKA_URL,
    available: kafkaAvailable,
    declareArgs: ['--partitions', '1'],
    consumeArgs: (queue) => ['--group', `${queue}-g`],
    inspectArgs: (queue) => ['--group', `${queue}-g`],
  },
]

/**
 * A queue's figures read in this process, not through the CLI under test: on amqp:// by passive
 * declare (?mgmt=off: live counts, not the management API's 5 s old ones).
 */
export async function queueStats(backend: CliBackend, queue: string): Promise<QueueStats> {
  const url = backend.name === 'amqp' ? `${backend.url}${backend.url.includes('?') ? '&' : '?'}mgmt=off` : backend.url
  const driver = await createDriver(url, {clientName: 'mqkit test observer', connectTimeoutMs: 5000})
  await driver.connect()
  try {
    const [stats] = (await driver.inspect([queue], {group: backend.inspectArgs(queue)[1]})).queues
    return stats
  } finally {
    await driver.close()
  }
}
