// A private Kafka broker for tests that stop or restart one (the shared broker on 9092 is never
// touched): scripts/kafka.sh with its own port, controller port and KAFKA_HOME_DIR (a temporary
// directory: data, config, log, pid file), reusing the shared instance's jars via KAFKA_LIB_DIR.
// With `tls: true` it also gets two TLS client listeners, certificates made in <homeDir>/tls.
// Its Kafka version is PRIVATE_KAFKA_VERSION, so a run against another version (npm run
// test:kafka-3.9) tests SASL, TLS and restarts on that version too.
import {execFile} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {mkdirSync, mkdtempSync, readFileSync, rmSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {freePort} from '../../helpers/brokers.js'
import {ROOT} from '../../helpers/cli.js'
import {makeTlsFiles, type TlsFiles} from './tls-certs.js'

const SCRIPT = path.join(ROOT, 'scripts', 'kafka.sh')

export interface PrivateKafka {
  readonly port: number
  /** The SASL_PLAINTEXT listener (PLAIN, SCRAM-SHA-256/512 for SASL_USER / SASL_PASSWORD), 0 when off. */
  readonly saslPort: number
  /** The SSL listener (server certificate only), 0 unless started with `tls: true`. */
  readonly sslPort: number
  /** The SSL listener that requires a client certificate (ssl.client.auth=required), 0 unless `tls: true`. */
  readonly mtlsPort: number
  /** CA, broker and client certificates behind those listeners (under homeDir), when `tls: true`. */
  readonly tls: TlsFiles | undefined
  readonly url: string
  readonly homeDir: string
  start(): Promise<void>
  /** SIGTERM (a clean broker shutdown), waiting until the process is gone. */
  stop(): Promise<void>
  /** SIGKILL the broker's JVM (a crash: no controlled shutdown); start() brings it back. */
  kill(): void
  /** Run a main class from the broker's classpath (scripts/kafka.sh run); resolves with its stdout. */
  run(mainClass: string, args: string[]): Promise<string>
  /** A shell command line that SIGKILLs the broker's JVM (kill -9), for bench --fault-cmd. */
  killCommand(): string
  /** A shell command line that starts it again and returns once it answers (scripts/kafka.sh start). */
  startCommand(): string
  /** Stop and delete the directory. Safe to call twice. */
  destroy(): Promise<void>
  /** The last lines of the broker's log, for a failing test's message. */
  logTail(lines?: number): string
}

/**
 * The version private brokers run: MQKIT_TEST_KAFKA_VERSION, else the KAFKA_VERSION scripts/kafka.sh
 * was given for the broker under test, else the script's default.
 */
export const PRIVATE_KAFKA_VERSION = process.env.MQKIT_TEST_KAFKA_VERSION || process.env.KAFKA_VERSION || '4.4.0'

/**
 * scripts/kafka.sh's settings that name the jars of PRIVATE_KAFKA_VERSION: the caller's
 * KAFKA_HOME_DIR / KAFKA_LIB_DIR only when they are for that version (else the script's default
 * home for it).
 */
function jarsEnv(): Record<string, string | undefined> {
  const sameVersion = (process.env.KAFKA_VERSION || '4.4.0') === PRIVATE_KAFKA_VERSION
  return {
    KAFKA_VERSION: PRIVATE_KAFKA_VERSION,
    KAFKA_HOME_DIR: sameVersion ? process.env.KAFKA_HOME_DIR : undefined,
    KAFKA_LIB_DIR: sameVersion ? process.env.KAFKA_LIB_DIR : undefined,
  }
}

/** The Kafka classpath (one 'dir/*' entry) for PRIVATE_KAFKA_VERSION; fetches the jars the first time. */
export async function privateKafkaClasspath(): Promise<string> {
  return (await script(['classpath'], jarsEnv(), 600_000)).trim()
}

function script(args: string[], env: Record<string, string | undefined>, timeoutMs: number): Promise<string> {
  const merged: Record<string, string> = {}
  for (const [name, value] of Object.entries({...process.env, ...env})) if (value !== undefined) merged[name] = value
  return new Promise((resolve, reject) => {
    execFile('bash', [SCRIPT, ...args], {env: merged, timeout: timeoutMs}, (error, stdout, stderr) => {
      if (error) reject(new Error(`scripts/kafka.sh ${args.join(' ')} failed: ${error.message}\n${stderr}`))
      else resolve(stdout)
    })
  })
}

/** One node of privateKafkaCluster: scripts/kafka.sh's KAFKA_NODE_ID, KAFKA_QUORUM_VOTERS, KAFKA_CLUSTER_ID. */
interface ClusterNode {
  id: number
  controllerPort: number
  voters: string
  clusterId: string
  extraConfig: string
}

export interface PrivateKafkaCluster {
  /** Node i has node id i + 1 (the broker id metadata names). */
  readonly nodes: readonly PrivateKafka[]
  /** kafka://host:port,host:port,… of every node. */
  readonly url: string
  /** Starts every node at once (a node answers only once a majority of the controllers runs). */
  start(): Promise<void>
  destroy(): Promise<void>
}

/**
 * `size` nodes, each a combined broker and controller (KRaft voters all), with no SASL or TLS
 * listener. Internal topics are replicated to every node, so any one node may die.
 */
export async function privateKafkaCluster(size: number): Promise<PrivateKafkaCluster> {
  const controllerPorts: number[] = []
  for (let i = 0; i < size; i++) controllerPorts.push(await freePort())
  const voters = controllerPorts.map((port, i) => `${i + 1}@127.0.0.1:${port}`).join(',')
  let clusterId = randomBytes(16).toString('base64url')
  while (clusterId.startsWith('-')) clusterId = randomBytes(16).toString('base64url')
  const extraConfig = [
    `offsets.topic.replication.factor=${size}`,
    `transaction.state.log.replication.factor=${size}`,
    `default.replication.factor=${size}`,
    // A killed node is fenced (its partitions get new leaders) this long after its last heartbeat.
    'broker.session.timeout.ms=3000',
    'broker.heartbeat.interval.ms=500',
  ].join('\n')
  const nodes: Array<PrivateKafka> = []
  try {
    for (let i = 0; i < size; i++) {
      nodes.push(await privateKafka({sasl: false, node: {id: i + 1, controllerPort: controllerPorts[i], voters, clusterId, extraConfig}}))
    }
  } catch (error) {
    await Promise.all(nodes.map((node) => node.destroy()))
    throw error
  }
  return {
    nodes,
    url: `kafka://${nodes.map((node) => `127.0.0.1:${node.port}`).join(',')}`,
    start: async () => void (await Promise.all(nodes.map((node) => node.start()))),
    destroy: async () => void (await Promise.all(nodes.map((node) => node.destroy()))),
  }
}

/** The script's default SASL user (KAFKA_SASL_USER / KAFKA_SASL_PASSWORD). */
export const SASL_USER = 'mqkit'
export const SASL_PASSWORD = 'mqkit-secret'

/**
 * `options.sasl: false` starts it as an older scripts/kafka.sh did (no SASL listener, storage
 * formatted without SCRAM users); `enableSasl()` makes the next start add the listener (and the SCRAM users).
 * `options.tls: true` adds an SSL listener and a mutual-TLS one (scripts/kafka.sh KAFKA_SSL_PORT, KAFKA_MTLS_PORT).
 */
export async function privateKafka(
  options: {sasl?: boolean; tls?: boolean; stopWithPid?: number; node?: ClusterNode} = {},
): Promise<PrivateKafka & {enableSasl(): void}> {
  const classpath = await privateKafkaClasspath()
  const port = await freePort()
  const controllerPort = options.node?.controllerPort ?? (await freePort())
  const saslPort = await freePort()
  const homeDir = mkdtempSync(path.join(os.tmpdir(), 'mqkit-kafka-'))
  let tls: TlsFiles | undefined
  // 'off' unless asked for, whatever the calling shell exports.
  const tlsEnv: Record<string, string> = {KAFKA_SSL_PORT: 'off', KAFKA_MTLS_PORT: 'off'}
  if (options.tls) {
    try {
      const tlsDir = path.join(homeDir, 'tls')
      mkdirSync(tlsDir)
      tls = await makeTlsFiles(tlsDir)
    } catch (error) {
      rmSync(homeDir, {recursive: true, force: true})
      throw error
    }
    Object.assign(tlsEnv, {
      KAFKA_SSL_PORT: String(await freePort()),
      KAFKA_MTLS_PORT: String(await freePort()),
      KAFKA_SSL_KEYSTORE: tls.brokerKeystoreFile,
      KAFKA_SSL_KEY_PASSWORD: tls.brokerKeyPassword,
      KAFKA_SSL_TRUSTSTORE: tls.caFile,
    })
  }
  const env = {
    KAFKA_VERSION: PRIVATE_KAFKA_VERSION,
    KAFKA_PORT: String(port),
    KAFKA_CONTROLLER_PORT: String(controllerPort),
    KAFKA_HOME_DIR: homeDir,
    KAFKA_LIB_DIR: path.dirname(classpath),
    KAFKA_HEAP: '-Xmx384m -Xms384m',
    KAFKA_STOP_TIMEOUT: '20',
    KAFKA_SASL_PORT: options.sasl === false ? 'off' : String(saslPort),
    // A test process killed mid-run must not leave its broker behind (scripts/kafka.sh watcher).
    KAFKA_STOP_WITH_PID: String(options.stopWithPid ?? process.pid),
    ...tlsEnv,
    ...(options.node && {
      KAFKA_NODE_ID: String(options.node.id),
      KAFKA_QUORUM_VOTERS: options.node.voters,
      KAFKA_CLUSTER_ID: options.node.clusterId,
      KAFKA_EXTRA_CONFIG: options.node.extraConfig,
    }),
  }
  let destroyed = false
  return {
    port,
    get saslPort() {
      return env.KAFKA_SASL_PORT === 'off' ? 0 : saslPort
    },
    sslPort: tls ? Number(tlsEnv.KAFKA_SSL_PORT) : 0,
    mtlsPort: tls ? Number(tlsEnv.KAFKA_MTLS_PORT) : 0,
    tls,
    enableSasl: () => void (env.KAFKA_SASL_PORT = String(saslPort)),
    url: `kafka://127.0.0.1:${port}`,
    homeDir,
    async start() {
      await script(['start'], env, 150_000)
      // The broker logs its version once it runs: a run meant for another version must not pass on this one.
      const log = readFileSync(path.join(homeDir, `kafka-${port}.log`), 'utf8')
      if (!log.includes(`Kafka version: ${PRIVATE_KAFKA_VERSION}`))
        throw new Error(`the private broker on :${port} does not run Kafka ${PRIVATE_KAFKA_VERSION}`)
    },
    stop: async () => void (await script(['stop'], env, 60_000)),
    kill: () => process.kill(Number(readFileSync(path.join(homeDir, `kafka-${port}.pid`), 'utf8').trim()), 'SIGKILL'),
    run: (mainClass, args) => script(['run', mainClass, ...args], env, 60_000),
    killCommand: () => `kill -9 "$(cat '${path.join(homeDir, `kafka-${port}.pid`)}')"`,
    startCommand: () => {
      const assignments = Object.entries(env)
        .map(([name, value]) => `${name}='${value}'`)
        .join(' ')
      return `env ${assignments} bash '${SCRIPT}' start`
    },
    async destroy() {
      if (destroyed) return
      destroyed = true
      await script(['stop'], env, 60_000).catch(() => '')
      rmSync(homeDir, {recursive: true, force: true})
    },
    logTail(lines = 30) {
      try {
        return readFileSync(path.join(homeDir, `kafka-${port}.log`), 'utf8')
          .split('\n')
          .slice(-lines)
          .join('\n')
      } catch {
        return '(no log)'
      }
    },
  }
}
