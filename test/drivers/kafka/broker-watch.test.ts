// scripts/kafka.sh KAFKA_STOP_WITH_PID: a broker started for a test run stops by itself once that
// run's process is gone, so a killed `npm test` leaves no broker behind (test/global-setup.ts and
// private-broker.ts pass their own pid).
import {spawn} from 'node:child_process'
import {existsSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {kafkaAvailable, tcpReachable, waitFor} from '../../helpers/brokers.js'
import {privateKafka, type PrivateKafka} from './private-broker.js'

const available = await kafkaAvailable() // the shared broker's jars are what the private one runs on

describe.skipIf(!available)('scripts/kafka.sh KAFKA_STOP_WITH_PID', () => {
  let broker: PrivateKafka | undefined
  afterAll(async () => {
    await broker?.destroy()
  })

  it('stops the broker once the owning process exits, and not before', async () => {
    const owner = spawn('sleep', ['600'], {stdio: 'ignore'})
    const exited = new Promise((resolve) => owner.on('exit', resolve))
    broker = await privateKafka({sasl: false, stopWithPid: owner.pid})
    await broker.start()
    const pidFile = path.join(broker.homeDir, `kafka-${broker.port}.pid`)
    const brokerPid = Number(readFileSync(pidFile, 'utf8'))
    // Still up a few watcher rounds later, while the owner lives.
    await new Promise((resolve) => setTimeout(resolve, 2500))
    expect(await tcpReachable('127.0.0.1', broker.port)).toBe(true)
    owner.kill('SIGKILL')
    await exited
    await waitFor('the broker process to end', () => !existsSync(`/proc/${brokerPid}`), 40_000, 200)
    expect(await tcpReachable('127.0.0.1', broker.port)).toBe(false)
    expect(readFileSync(path.join(broker.homeDir, `kafka-${broker.port}.log.watch`), 'utf8')).toContain(`process ${owner.pid} is gone: stopping the broker`)
  }, 120_000)
})
