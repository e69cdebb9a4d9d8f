// A private Kafka broker for tests that stop or restart one (the shared broker on 9092 is never
// touched): scripts/kafka.sh with its own port, controller port and KAFKA_HOME_DIR (a temporary
// directory: data, config, log, pid file), reusing the shared instance's jars via KAFKA_LIB_DIR.
// With `tls: true` it also gets two TLS client listeners, certificates made in <homeDir>/tls.
import {execFile} from 'node:child_process'
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
  /** A shell command line that SIGKILLs the broker's JVM (kill -9), for bench --fault-cmd. */
  killCommand(): string
  /** A shell command line that starts it again and returns once it answers (scripts/kafka.sh start). */
  startCommand(): string
  /** Stop and delete the directory. Safe to call twice. */
  destroy(): Promise<void>
  /** The last lines of the broker's log, for a failing test's message. */
  logTail(lines?: number): string
}

function script(args: string[], env: Record<string, string>, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('bash', [SCRIPT, ...args], {env: {...process.env, ...env}, timeout: timeoutMs}, (error, stdout, stderr) => {
      if (error) reject(new Error(`scripts/kafka.sh ${args.join(' ')} failed: ${error.message}\n${stderr}`))
      else resolve(stdout)
    })
  })
}

/** The script's default SASL user (KAFKA_SASL_USER / KAFKA_SASL_PASSWORD). */
export const SASL_USER = 'mqkit'
export const SASL_PASSWORD = 'mqkit-secret'

/**
 * `options.sasl: false` starts it as an older scripts/kafka.sh did (no SASL listener, storage
 * formatted without SCRAM users); `enableSasl()` makes the next start add the listener (and the SCRAM users).
 * `options.tls: true` adds an SSL listener and a mutual-TLS one (scripts/kafka.sh KAFKA_SSL_PORT, KAFKA_MTLS_PORT).
 */
export async function privateKafka(options: {sasl?: boolean; tls?: boolean; stopWithPid?: number} = {}): Promise<PrivateKafka & {enableSasl(): void}> {
  const classpath = (await script(['classpath'], {}, 600_000)).trim()
  const port = await freePort()
  const controllerPort = await freePort()
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
    start: async () => void (await script(['start'], env, 150_000)),
    stop: async () => void (await script(['stop'], env, 60_000)),
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
