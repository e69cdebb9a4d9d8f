// The local store's place on disk, through the real CLI: a path that cannot hold a store ends
// at once with exit 2 and one line naming the path and the reason (never a hang: a path under
// /proc used to spin forever in a recursive mkdir); what mqkit creates is private whatever the
// umask (folders 0700, the database and its -wal and -shm files 0600); and a run waiting on the
// store (for messages, or for another process's write lock) ends on SIGTERM with exit 143.
import {spawn} from 'node:child_process'
import {chmodSync, existsSync, mkdirSync, mkdtempSync, readlinkSync, readdirSync, rmSync, statSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import {afterAll, describe, expect, it} from 'vitest'
import {ExitCode} from '../../../src/errors.js'
import {waitFor} from '../../helpers/brokers.js'
import {BIN, ROOT} from '../../helpers/cli.js'

const folder = mkdtempSync(path.join(os.tmpdir(), 'mqkit-local-paths-'))
chmodSync(folder, 0o755) // the permission cases run as another user, who must reach into it
afterAll(() => rmSync(folder, {recursive: true, force: true}))

let made = 0
const fresh = (name: string) => path.join(folder, `${made++}-${name}`)

/** Root ignores file permissions: the permission cases then run as `nobody`. */
const IS_ROOT = process.getuid?.() === 0
const NOBODY = 65_534

interface Options {
  env?: Record<string, string | undefined>
  /** Run with this umask (via sh). */
  umask?: string
  asNobody?: boolean
}

interface Running {
  pid: number
  kill(signal: NodeJS.Signals): void
  stderr(): string
  exited: Promise<{code: number | null; stdout: string; stderr: string; elapsedMs: number}>
}

/** Start bin/run.js (through `sh -c 'umask …; exec node …'` when a umask is asked for). */
function start(args: string[], options: Options = {}): Running {
  const env: Record<string, string | undefined> = {...process.env, NO_COLOR: '1', MQKIT_URL: undefined, MQKIT_STORE: undefined, HOME: folder, ...options.env}
  for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key]
  const command = [process.execPath, BIN, ...args]
  const [file, argv] = options.umask === undefined ? [command[0], command.slice(1)] : ['sh', ['-c', `umask ${options.umask} && exec "$@"`, 'sh', ...command]]
  const ids = options.asNobody && IS_ROOT ? {uid: NOBODY, gid: NOBODY} : {}
  const startedMs = performance.now()
  const child = spawn(file, argv, {cwd: ROOT, env: env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'], ...ids})
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk))
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk))
  const exited = new Promise<{code: number | null; stdout: string; stderr: string; elapsedMs: number}>((resolve) =>
    child.on('close', (code) => resolve({code, stdout, stderr, elapsedMs: performance.now() - startedMs})),
  )
  return {pid: child.pid!, kill: (signal) => child.kill(signal), stderr: () => stderr, exited}
}

/** Run to the end; a run still going after `timeoutMs` is killed and fails the test. */
async function run(args: string[], options: Options = {}, timeoutMs = 20_000) {
  const running = start(args, options)
  const timer = setTimeout(() => running.kill('SIGKILL'), timeoutMs)
  const result = await running.exited
  clearTimeout(timer)
  if (result.code === null) throw new Error(`mqkit ${args.join(' ')} was still running after ${timeoutMs} ms: ${result.stderr}`)
  return result
}

const mode = (file: string) => statSync(file).mode & 0o777

/** Whether process `pid` has `file` open (Linux /proc): it got as far as opening the store. */
function hasOpen(pid: number, file: string): boolean {
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`) === file
      } catch {
        return false
      }
    })
  } catch {
    return false
  }
}

describe('a path that cannot hold a store: exit 2 and one line naming it, at once', () => {
  const underFile = fresh('plain-file')
  writeFileSync(underFile, 'not a folder')
  const aFolder = fresh('a-folder')
  mkdirSync(aFolder)
  const notSqlite = fresh('not-sqlite.db')
  writeFileSync(notSqlite, 'hello, this is not SQLite '.repeat(100))
  // Read-only places (for the user the child runs as: `nobody` when the tests run as root).
  const readOnlyFolder = fresh('read-only')
  mkdirSync(readOnlyFolder, {mode: 0o555})
  chmodSync(readOnlyFolder, 0o555)
  const readOnlyFile = path.join(fresh('ro-file'), 'q.db')
  const lockedFolderStore = path.join(fresh('ro-folder-store'), 'q.db')
  for (const store of [readOnlyFile, lockedFolderStore]) {
    mkdirSync(path.dirname(store))
    new Database(store).exec('PRAGMA journal_mode = WAL; CREATE TABLE t (x)')
  }
  chmodSync(readOnlyFile, 0o444)
  chmodSync(path.dirname(readOnlyFile), 0o777)
  chmodSync(lockedFolderStore, 0o666)
  chmodSync(path.dirname(lockedFolderStore), 0o555)

  const cases: Array<{name: string; store: string; reason: RegExp; asNobody?: boolean; skip?: boolean}> = [
    // mkdir("/proc/x") fails with ENOENT although /proc exists: Node's recursive mkdir retried that forever.
    {
      name: 'a folder that cannot be created under /proc',
      store: `/proc/mqkit-${process.pid}/q.db`,
      reason: /cannot create the folder \/proc\/mqkit-\d+ \(.*ENOENT\)/,
      skip: !existsSync('/proc/self'),
    },
    {
      name: 'the same, several levels deep',
      store: `/proc/mqkit-${process.pid}/a/b/q.db`,
      reason: /cannot create the folder \/proc\/mqkit-\d+ /,
      skip: !existsSync('/proc/self'),
    },
    {name: 'a folder', store: aFolder, reason: /it is a folder; name a file in it, e\.g\. file:.*queues\.db$/},
    {name: 'a path under a regular file', store: path.join(underFile, 'q.db'), reason: /plain-file is not a folder$/},
    {name: 'a path two levels under a regular file', store: path.join(underFile, 'sub', 'q.db'), reason: /plain-file is not a folder$/},
    {name: 'a file that is not SQLite', store: notSqlite, reason: /it is not a SQLite database/},
    {
      name: 'a new file in a read-only folder',
      store: path.join(readOnlyFolder, 'q.db'),
      reason: /cannot create the file \(permission denied, EACCES\)/,
      asNobody: true,
    },
    {
      name: 'a folder that cannot be created in a read-only folder',
      store: path.join(readOnlyFolder, 'sub', 'q.db'),
      reason: /cannot create the folder .*read-only\/sub \(permission denied, EACCES\)/,
      asNobody: true,
    },
    {name: 'a read-only store file', store: readOnlyFile, reason: /no permission to read and write it \(permission denied, EACCES\)/, asNobody: true},
    {
      name: 'a store in a read-only folder (no room for -wal and -shm)',
      store: lockedFolderStore,
      reason: /SQLite cannot (write|open) it .*folder/,
      asNobody: true,
    },
  ]

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, {store, reason, asNobody, skip}) => {
    if (skip) return
    const {code, stdout, stderr, elapsedMs} = await run(['declare', 'q', '--url', `file:${store}`], {asNobody})
    expect(code, stderr).toBe(ExitCode.usage)
    expect(stdout).toBe('')
    expect(stderr).toMatch(/^mqkit: cannot use ".+" as the local store: [^\n]+\n$/)
    expect(stderr).toContain(`"${store}"`)
    expect(stderr.trim()).toMatch(reason)
    expect(elapsedMs).toBeLessThan(10_000)
  })

  it('--json: the error document carries exit 2 and the same line', async () => {
    const store = path.join(underFile, 'q.db')
    const {code, stdout} = await run(['inspect', '--url', `file:${store}`, '--json'])
    expect(code).toBe(ExitCode.usage)
    expect(JSON.parse(stdout).error).toMatchObject({code: 'USAGE', exitCode: 2, message: expect.stringContaining(`cannot use "${store}" as the local store`)})
  })
})

describe('what mqkit creates is private whatever the umask', () => {
  it('new folders 0700, the store file 0600, existing folders untouched (umask 000)', async () => {
    const parent = fresh('existing')
    mkdirSync(parent, {mode: 0o755})
    chmodSync(parent, 0o755)
    const store = path.join(parent, 'new', 'deeper', 'q.db')
    const {code, stderr} = await run(['declare', 'q', '--url', `file:${store}`], {umask: '000'})
    expect(code, stderr).toBe(0)
    expect(mode(path.join(parent, 'new'))).toBe(0o700)
    expect(mode(path.join(parent, 'new', 'deeper'))).toBe(0o700)
    expect(mode(store)).toBe(0o600)
    expect(mode(parent)).toBe(0o755)
  })

  it('the default store (no --url) under $XDG_DATA_HOME: folders 0700, file 0600', async () => {
    const dataHome = path.join(fresh('xdg'), 'data')
    const {code, stderr} = await run(['declare', 'q'], {umask: '000', env: {XDG_DATA_HOME: dataHome}})
    expect(code, stderr).toBe(0)
    expect(stderr).toContain(`file:${path.join(dataHome, 'mqkit', 'queues.db')}`)
    expect(mode(dataHome)).toBe(0o700)
    expect(mode(path.join(dataHome, 'mqkit'))).toBe(0o700)
    expect(mode(path.join(dataHome, 'mqkit', 'queues.db'))).toBe(0o600)
  })

  it('the -wal and -shm files of a store in use are 0600 too; SIGTERM ends the consume waiting for messages (143)', async () => {
    const store = path.join(fresh('wal'), 'q.db')
    expect((await run(['declare', 'q', '--url', `file:${store}`], {umask: '000'})).code).toBe(0)
    const consuming = start(['consume', 'q', '--url', `file:${store}`], {umask: '000'})
    const db = new Database(store, {readonly: true})
    try {
      await waitFor('the consumer registered', () => (db.prepare('SELECT COUNT(*) AS n FROM consumers').get() as {n: number}).n === 1)
    } finally {
      db.close()
    }
    expect(mode(store)).toBe(0o600)
    expect(mode(`${store}-wal`)).toBe(0o600)
    expect(mode(`${store}-shm`)).toBe(0o600)
    const signalledMs = performance.now()
    consuming.kill('SIGTERM')
    const {code, stderr} = await consuming.exited
    expect(code, stderr).toBe(ExitCode.sigterm)
    expect(performance.now() - signalledMs).toBeLessThan(3000)
  })
})

describe('SIGTERM ends a run waiting for another process’s write lock on the store', () => {
  it.each([
    ['declare', ['declare', 'other']],
    ['consume', ['consume', 'q']],
    ['inspect', ['inspect']],
  ])('%s', async (_name, args) => {
    const store = path.join(fresh('locked'), 'q.db')
    expect((await run(['declare', 'q', '--url', `file:${store}`])).code).toBe(0)
    const holder = new Database(store)
    holder.exec('BEGIN IMMEDIATE') // the write lock, held until the end of the test
    try {
      const waiting = start([...args, '--url', `file:${store}`])
      await waitFor('the run opened the store', () => hasOpen(waiting.pid, store))
      const signalledMs = performance.now()
      waiting.kill('SIGTERM')
      const {code, stderr} = await waiting.exited
      expect(code, stderr).toBe(ExitCode.sigterm)
      expect(stderr.trim().split('\n').at(-1)).toMatch(/^mqkit: interrupted/)
      // Well inside the 5 s busy timeout: the wait itself gave way, not a lock timeout.
      expect(performance.now() - signalledMs).toBeLessThan(2500)
    } finally {
      holder.exec('ROLLBACK')
      holder.close()
    }
  })
})
