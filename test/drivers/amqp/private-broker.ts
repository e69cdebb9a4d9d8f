// A private RabbitMQ node for tests that must stop or restart a broker (the shared one on 5672
// is never touched). Its own node name, ports, data, logs, cookie and an empty plugin list, all
// under a temporary directory that stop() removes. The Debian wrapper /usr/sbin/rabbitmq-server
// re-runs itself as the rabbitmq user with /etc/rabbitmq's env file (which pins the shared
// node's name); the scripts in /usr/lib/rabbitmq/bin run as whoever calls them, with the
// environment given here instead.
import {execFile, spawn} from 'node:child_process'
import {existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {freePort, IN_CI, tcpReachable} from '../../helpers/brokers.js'

const SCRIPTS = process.env.MQKIT_RABBITMQ_SCRIPTS ?? '/usr/lib/rabbitmq/bin'

export interface PrivateBroker {
  readonly nodeName: string
  readonly port: number
  /** amqp://guest:guest@127.0.0.1:<port> */
  readonly url: string
  /** The server's log, for a failing test's message. */
  readonly logFile: string
  /** Stop the RabbitMQ application (connections are closed with CONNECTION_FORCED, as on shutdown). */
  stopApp(): Promise<void>
  /** Start it again; resolves once it accepts connections. */
  startApp(): Promise<void>
  /** Kill the Erlang VM outright (no goodbye to clients); resolves once the port is closed. */
  kill(): Promise<void>
  /** Boot the node again from its data after kill(). */
  boot(): Promise<void>
  /** SIGSTOP the VM: connections stay open but nothing answers (a hung host or partition). */
  freeze(): void
  /** SIGCONT after freeze(). */
  thaw(): void
  /** A shell command line running `rabbitmqctl ARGS` against this node (for bench --fault-cmd). */
  ctlCommand(...args: string[]): string
  /** A shell command line that SIGKILLs the node's VM (kill -9). */
  killCommand(): string
  /** A shell command line that boots the node again after a kill and returns once it is up. */
  bootCommand(): string
  /** Halt the node and delete its directory. Safe to call twice. */
  stop(): Promise<void>
}

/** True when this machine can run a private node; under CI=true its absence is an error. */
export function privateBrokerPossible(): boolean {
  const possible = existsSync(path.join(SCRIPTS, 'rabbitmq-server')) && existsSync(path.join(SCRIPTS, 'rabbitmqctl'))
  if (possible) return true
  const message = `RabbitMQ server scripts not found in ${SCRIPTS} (set MQKIT_RABBITMQ_SCRIPTS)`
  if (IN_CI) throw new Error(`${message}; CI=true: broker-restart tests must not be skipped`)
  process.stderr.write(`[skip] ${message}; the broker-restart tests need a private node\n`)
  return false
}

function run(file: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 120_000): Promise<{code: number; output: string}> {
  return new Promise((resolve) => {
    execFile(file, args, {env, timeout: timeoutMs}, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0
      resolve({code, output: `${stdout}${stderr}`.trim()})
    })
  })
}

async function until(what: string, condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`private RabbitMQ: timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

export async function startPrivateBroker(label = 'restart'): Promise<PrivateBroker> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `mqkit-rabbit-${label}-`))
  const [port, distPort] = [await freePort(), await freePort()]
  const nodeName = `mqkit-${label}-${process.pid}-${port}@localhost`
  for (const sub of ['home', 'mnesia', 'log']) mkdirSync(path.join(dir, sub))
  writeFileSync(path.join(dir, 'enabled_plugins'), '[].\n')
  writeFileSync(path.join(dir, 'rabbitmq.conf'), `listeners.tcp.default = 127.0.0.1:${port}\nloopback_users = none\n`)
  writeFileSync(path.join(dir, 'rabbitmq-env.conf'), '')
  const pidFile = path.join(dir, 'pid')
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // The Erlang cookie lives in $HOME: a private one, shared by the node and our rabbitmqctl.
    HOME: path.join(dir, 'home'),
    RABBITMQ_CONF_ENV_FILE: path.join(dir, 'rabbitmq-env.conf'),
    RABBITMQ_CONFIG_FILE: path.join(dir, 'rabbitmq.conf'),
    RABBITMQ_NODENAME: nodeName,
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: String(port),
    RABBITMQ_DIST_PORT: String(distPort),
    RABBITMQ_MNESIA_BASE: path.join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: path.join(dir, 'log'),
    RABBITMQ_PID_FILE: pidFile,
    RABBITMQ_ENABLED_PLUGINS_FILE: path.join(dir, 'enabled_plugins'),
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '-kernel inet_dist_use_interface {127,0,0,1}',
    ERL_EPMD_ADDRESS: '127.0.0.1',
  }
  const logFile = path.join(dir, 'log', `${nodeName}.log`)
  const ctl = (...args: string[]) => run(path.join(SCRIPTS, 'rabbitmqctl'), ['-n', nodeName, ...args], env)
  const accepting = () => tcpReachable('127.0.0.1', port, 500)
  const logTail = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n') : '(no log)')

  const boot = async () => {
    // -detached returns at once; the node registers with epmd a moment later.
    const child = spawn(path.join(SCRIPTS, 'rabbitmq-server'), ['-detached'], {env, stdio: 'ignore'})
    await new Promise((resolve) => child.once('exit', resolve))
    try {
      await until('the node to start', async () => (await ctl('await_startup', '--timeout', '5')).code === 0, 90_000)
      await until(`a listener on 127.0.0.1:${port}`, accepting, 30_000)
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${logTail()}`)
    }
  }

  let stopped = false
  const broker: PrivateBroker = {
    nodeName,
    port,
    url: `amqp://guest:guest@127.0.0.1:${port}`,
    logFile,
    async stopApp() {
      const result = await ctl('stop_app')
      if (result.code !== 0) throw new Error(`rabbitmqctl stop_app failed: ${result.output}`)
    },
    async startApp() {
      const result = await ctl('start_app')
      if (result.code !== 0) throw new Error(`rabbitmqctl start_app failed: ${result.output}\n${logTail()}`)
      await until(`a listener on 127.0.0.1:${port}`, accepting, 30_000)
    },
    async kill() {
      const pid = Number(readFileSync(pidFile, 'utf8').trim())
      process.kill(pid, 'SIGKILL')
      await until('the killed node to go away', async () => !(await accepting()), 10_000)
    },
    boot,
    ctlCommand: (...args: string[]) => {
      const vars = Object.keys(env).filter((name) => name === 'HOME' || name.startsWith('RABBITMQ_') || name === 'ERL_EPMD_ADDRESS')
      const quote = (value: string) => `'${value.replaceAll("'", "'\\''")}'`
      return `env ${vars.map((name) => `${name}=${quote(env[name] ?? '')}`).join(' ')} ${quote(path.join(SCRIPTS, 'rabbitmqctl'))} -n ${quote(nodeName)} ${args.map(quote).join(' ')}`
    },
    killCommand: () => `kill -9 "$(cat '${pidFile}')"`,
    bootCommand: () => {
      const assignments = Object.entries(env)
        .filter(([name]) => name === 'HOME' || name.startsWith('RABBITMQ_') || name === 'ERL_EPMD_ADDRESS')
        .map(([name, value]) => `${name}='${String(value).replaceAll("'", "'\\''")}'`)
        .join(' ')
      // await_startup fails at once (exit 69) until the new VM has registered: retried, as boot() does.
      return `env ${assignments} '${path.join(SCRIPTS, 'rabbitmq-server')}' -detached && for i in $(seq 60); do ${broker.ctlCommand('await_startup', '--timeout', '5')} >/dev/null 2>&1 && break; [ "$i" = 60 ] && exit 1; sleep 1; done`
    },
    freeze: () => process.kill(Number(readFileSync(pidFile, 'utf8').trim()), 'SIGSTOP'),
    thaw: () => process.kill(Number(readFileSync(pidFile, 'utf8').trim()), 'SIGCONT'),
    async stop() {
      if (stopped) return
      stopped = true
      if (existsSync(pidFile)) {
        try {
          process.kill(Number(readFileSync(pidFile, 'utf8').trim()), 'SIGCONT') // in case a test froze it
        } catch {
          // not running
        }
      }
      await ctl('stop', pidFile)
      rmSync(dir, {recursive: true, force: true})
      try {
        if (watcher.pid !== undefined) process.kill(watcher.pid, 'SIGKILL')
      } catch {
        // already gone
      }
    },
  }
  // If the test process dies without afterAll (a timeout, a killed worker), the node must not
  // outlive it: a detached watcher kills the node once this process is gone. ('exit' handlers
  // do not run when the test runner kills its worker.)
  const watcher = spawn(
    'sh',
    [
      '-c',
      'while kill -0 "$1" 2>/dev/null; do sleep 1; done; [ -f "$2" ] && kill -9 "$(cat "$2")" 2>/dev/null; rm -rf "$3"',
      'mqkit-broker-watch',
      String(process.pid),
      pidFile,
      dir,
    ],
    {detached: true, stdio: 'ignore'},
  )
  watcher.unref()
  try {
    await boot()
  } catch (error) {
    await broker.stop().catch(() => {})
    throw error
  }
  return broker
}
