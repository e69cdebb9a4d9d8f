// Starts the brokers the tests need when they are not running, and stops afterwards only what
// it started. Keeps `npm test` a one-command affair on a fresh machine (RabbitMQ installed,
// Java + Maven for Kafka). Under CI=true, a broker that cannot be started fails the run via the
// per-suite checks in test/helpers/brokers.ts; a management API that never comes up fails it
// here (its absence would otherwise only show as slow in-flight waits). Every probe is of the
// address in the URL the tests use (MQKIT_TEST_AMQP_URL, MQKIT_TEST_KAFKA_URL, KAFKA_PORT).
import {execFileSync, spawnSync} from 'node:child_process'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {AMQP_URL, brokerAddress, IN_CI, KAFKA_URL, managementAddress, tcpReachable} from './helpers/brokers.js'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
let startedKafka = false

function log(message: string): void {
  process.stderr.write(`[test setup] ${message}\n`)
}

/** Under CI=true a failure of the run; otherwise a note. */
function problem(message: string): void {
  if (IN_CI) throw new Error(`[test setup] ${message} (CI=true: the tests that need it must not be skipped)`)
  log(message)
}

function has(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], {stdio: 'ignore'}).status === 0
}

async function ensureRabbit(): Promise<void> {
  const broker = brokerAddress(AMQP_URL)
  if (!(await tcpReachable(broker.host, broker.port))) {
    if (process.env.MQKIT_TEST_AMQP_URL) {
      log(`RabbitMQ is not reachable at ${broker.host}:${broker.port} (MQKIT_TEST_AMQP_URL: someone else's broker, not started here)`)
      return
    }
    if (!has('rabbitmq-server')) {
      log('RabbitMQ is not running and rabbitmq-server is not installed')
      return
    }
    log('RabbitMQ is not running: starting it (rabbitmq-server -detached)')
    spawnSync('rabbitmq-server', ['-detached'], {stdio: 'ignore'})
    const result = spawnSync('rabbitmqctl', ['await_startup', '--timeout', '120'], {stdio: 'ignore'})
    log(result.status === 0 ? 'RabbitMQ started' : 'RabbitMQ did not start within 120 s')
  }
  await ensureRabbitManagement()
}

/** In-flight (unacked) counts come only from the management API; the amqp conformance run needs them. */
async function ensureRabbitManagement(): Promise<void> {
  const api = managementAddress(AMQP_URL)
  if (api === undefined) return problem(`the RabbitMQ management API is off for the test URL (?mgmt=off, or a port other than 5672/5671 without ?mgmt=)`)
  if (await tcpReachable(api.host, api.port)) return
  if (process.env.MQKIT_TEST_AMQP_URL || !has('rabbitmq-plugins'))
    return problem(`the RabbitMQ management API does not answer at ${api.baseUrl} and cannot be enabled from here`)
  log(`enabling the RabbitMQ management plugin (HTTP API at ${api.baseUrl})`)
  spawnSync('rabbitmq-plugins', ['enable', 'rabbitmq_management'], {stdio: 'ignore', timeout: 120_000})
  const deadline = Date.now() + 60_000
  while (!(await tcpReachable(api.host, api.port))) {
    if (Date.now() > deadline) return problem(`the management API did not come up at ${api.baseUrl} within 60 s`)
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
}

async function ensureKafka(): Promise<void> {
  if (process.env.MQKIT_TEST_KAFKA_URL) return // someone else's broker
  const broker = brokerAddress(KAFKA_URL)
  if (await tcpReachable(broker.host, broker.port)) return
  if (!has('java') || !has('mvn')) {
    log('Kafka is not running and java/mvn are missing: Kafka tests cannot run')
    return
  }
  log('Kafka is not running: starting it with scripts/kafka.sh start (first run downloads the jars)')
  try {
    // Stopped by teardown; should this run be killed before that, by the script's watcher.
    const env = process.env.MQKIT_KEEP_KAFKA ? process.env : {...process.env, KAFKA_STOP_WITH_PID: String(process.pid)}
    execFileSync('bash', [path.join(ROOT, 'scripts', 'kafka.sh'), 'start'], {stdio: ['ignore', 'inherit', 'inherit'], timeout: 600_000, env})
    startedKafka = true
  } catch (error) {
    log(`Kafka did not start: ${(error as Error).message.split('\n')[0]}`)
  }
}

export async function setup(): Promise<void> {
  await Promise.all([ensureRabbit(), ensureKafka()])
}

export async function teardown(): Promise<void> {
  if (startedKafka && !process.env.MQKIT_KEEP_KAFKA) {
    log('stopping the Kafka broker this run started')
    spawnSync('bash', [path.join(ROOT, 'scripts', 'kafka.sh'), 'stop'], {stdio: 'inherit', timeout: 120_000})
  }
}
