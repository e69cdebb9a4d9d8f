// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${NAME} written out is what a context URL holds
// `mqkit context …` and --context through the real CLI, each test with its own XDG_CONFIG_HOME:
// the round trip, the file's modes under umask 000, which URL wins (each level beats the next),
// `${NAME}` references, passwords never printed, and commands run through a context on the local
// store, memory:// and RabbitMQ (its password given by an environment reference).
import {spawn} from 'node:child_process'
import {chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {AMQP_URL, amqpAvailable, uniqueName} from '../helpers/brokers.js'
import {BIN, type CliResult, runCli} from '../helpers/cli.js'

const folder = mkdtempSync(path.join(os.tmpdir(), 'mqkit-cli-contexts-'))
afterAll(() => rmSync(folder, {recursive: true, force: true}))
let serial = 0

/** A fresh config home (nothing in it yet) and a CLI that uses it; no URL or context from the test's environment. */
function sandbox() {
  const home = path.join(folder, `case-${serial++}`)
  const configHome = path.join(home, 'config')
  const base = {XDG_CONFIG_HOME: configHome, MQKIT_URL: undefined, MQKIT_CONTEXT: undefined, MQKIT_STORE: path.join(home, 'default.db')}
  const cli = (args: string[], env: Record<string, string | undefined> = {}, input?: string) => runCli(args, {env: {...base, ...env}, input, timeoutMs: 45_000})
  return {home, configHome, file: path.join(configHome, 'mqkit', 'contexts.json'), store: (name: string) => path.join(home, `${name}.db`), cli}
}

const ok = (result: CliResult) => {
  expect(result.code, result.stderr).toBe(0)
  return result
}

/** Runs the CLI under `umask 000` (a shell sets it, so this test process keeps its own). */
function withUmask000(args: string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', 'umask 000 && exec "$0" "$@"', process.execPath, BIN, ...args], {env: {...process.env, NO_COLOR: '1', ...env}})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', (code, signal) => resolve({code, signal, stdout, stderr}))
  })
}

const mode = (file: string) => statSync(file).mode & 0o777

/** Each test runs the CLI up to ~20 times, one after the other: on a busy 2-core machine that takes minutes. */
const SLOW_MS = 300_000

describe('mqkit context', () => {
  it('add, use, list, show, remove: a round trip, in text and --json', {timeout: SLOW_MS}, async () => {
    const {cli, file, store} = sandbox()
    const empty = ok(await cli(['context', 'list']))
    expect(empty.stdout).toBe('')
    expect(empty.stderr.trim()).toBe(`mqkit: no contexts in ${file}; add one with: mqkit context add NAME URL`)
    expect(ok(await cli(['context', 'add', 'local', `file:${store('a')}`])).stdout).toBe(`added context local: file:${store('a')}\n`)
    const added = JSON.parse(ok(await cli(['context', 'add', 'prod', 'amqp://app:${RABBIT_PASSWORD}@rabbit:5672/prod', '--use', '--json'])).stdout)
    expect(added).toEqual({name: 'prod', url: 'amqp://app:${RABBIT_PASSWORD}@rabbit:5672/prod', current: true, replaced: false, file})

    const table = ok(await cli(['context', 'list'], {COLUMNS: '200'})).stdout
    expect(table).toMatch(/│ current │ name\s+│ url\s+│/)
    expect(table).toMatch(/│\s+│ local │ file:.*a\.db\s+│/)
    expect(table).toMatch(/│ \*\s+│ prod\s+│ amqp:\/\/app:\$\{RABBIT_PASSWORD\}@rabbit:5672\/prod\s+│/)
    expect(JSON.parse(ok(await cli(['context', 'list', '--json'])).stdout)).toEqual({
      file,
      current: 'prod',
      contexts: [
        {name: 'local', url: `file:${store('a')}`, current: false},
        {name: 'prod', url: 'amqp://app:${RABBIT_PASSWORD}@rabbit:5672/prod', current: true},
      ],
    })

    expect(ok(await cli(['context', 'show'])).stdout).toBe(
      [
        'name:        prod',
        'url:         amqp://app:${RABBIT_PASSWORD}@rabbit:5672/prod',
        'selected by: current context',
        'variables:   RABBIT_PASSWORD (not set)',
        `file:        ${file}`,
        '',
      ].join('\n'),
    )
    expect(JSON.parse(ok(await cli(['context', 'show', '--json'], {RABBIT_PASSWORD: 'x'})).stdout)).toMatchObject({
      name: 'prod',
      variables: [{name: 'RABBIT_PASSWORD', set: true}],
    })

    expect(ok(await cli(['context', 'use', 'local'])).stdout).toBe(`current context: local (file:${store('a')})\n`)
    expect(ok(await cli(['context', 'remove', 'local'])).stdout).toBe('removed context local; no current context now\n')
    expect(JSON.parse(ok(await cli(['context', 'list', '--json'])).stdout)).toEqual({
      file,
      contexts: [{name: 'prod', url: 'amqp://app:${RABBIT_PASSWORD}@rabbit:5672/prod', current: false}],
    })
    expect(JSON.parse(ok(await cli(['context', 'use', 'prod', '--json'])).stdout)).toEqual({
      current: 'prod',
      url: 'amqp://app:${RABBIT_PASSWORD}@rabbit:5672/prod',
      file,
    })
    expect(ok(await cli(['context', 'use', '--none'])).stdout).toBe('no current context now\n')
  })

  it('usage errors are one line with exit 2 (and a JSON document with --json)', {timeout: SLOW_MS}, async () => {
    const {cli} = sandbox()
    ok(await cli(['context', 'add', 'dev', 'memory://']))
    const cases: Array<[string[], string]> = [
      [['context', 'use', 'nope'], 'mqkit: unknown context "nope"; known: dev'],
      [['context', 'remove', 'nope'], 'mqkit: unknown context "nope"; known: dev'],
      [['context', 'show'], 'mqkit: no context in use (no current context, MQKIT_CONTEXT not set); choose one with: mqkit context use NAME'],
      [['context', 'use'], 'mqkit: name the context to use, or --none for no current context: mqkit context use NAME|--none'],
      [['context', 'add', 'dev', 'memory://other'], 'mqkit: context "dev" exists (memory://); add --force to replace it'],
      [
        ['context', 'add', 'x', 'nats://h'],
        'mqkit: the URL of context "x" is not usable: has unsupported scheme "nats:" in "nats://h"; supported schemes: memory://, file:, amqp://, amqps://, kafka://',
      ],
      [['inspect', '--context', 'nope'], 'mqkit: unknown context "nope"; known: dev'],
    ]
    for (const [args, line] of cases) {
      const result = await cli(args)
      expect(result.code, args.join(' ')).toBe(2)
      expect(result.stdout, args.join(' ')).toBe('')
      expect(result.stderr, args.join(' ')).toBe(`${line}\n`)
    }
    const json = await cli(['inspect', '--context', 'nope', '--json'])
    expect(json.code).toBe(2)
    expect(JSON.parse(json.stdout)).toEqual({error: {code: 'USAGE', message: 'unknown context "nope"; known: dev', exitCode: 2}})
    const fromEnv = await cli(['inspect'], {MQKIT_CONTEXT: 'gone'})
    expect(fromEnv).toMatchObject({code: 2, stderr: 'mqkit: unknown context "gone" (from MQKIT_CONTEXT); known: dev\n'})
  })

  it('creates the folder 0700 and the file 0600 under umask 000, and keeps the file 0600 when rewriting it', {timeout: SLOW_MS}, async () => {
    const {configHome, file} = sandbox()
    const added = await withUmask000(['context', 'add', 'dev', 'memory://'], {XDG_CONFIG_HOME: configHome})
    expect(added.code, added.stderr).toBe(0)
    expect(mode(configHome)).toBe(0o700) // missing parents are made as private as the folder itself
    expect(mode(path.dirname(file))).toBe(0o700)
    expect(mode(file)).toBe(0o600)
    chmodSync(file, 0o644)
    const used = await withUmask000(['context', 'use', 'dev'], {XDG_CONFIG_HOME: configHome})
    expect(used.code, used.stderr).toBe(0)
    expect(mode(file)).toBe(0o600)
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({version: 1, current: 'dev', contexts: {dev: {url: 'memory://'}}})
  })

  it('an existing config folder keeps its mode', {timeout: SLOW_MS}, async () => {
    const {configHome, file} = sandbox()
    mkdirSync(path.dirname(file), {recursive: true, mode: 0o755})
    chmodSync(path.dirname(file), 0o755)
    const added = await withUmask000(['context', 'add', 'dev', 'memory://'], {XDG_CONFIG_HOME: configHome})
    expect(added.code, added.stderr).toBe(0)
    expect(mode(path.dirname(file))).toBe(0o755)
    expect(mode(file)).toBe(0o600)
  })
})

describe('which URL a command uses', () => {
  it('--url beats --context beats MQKIT_URL beats MQKIT_CONTEXT beats the current context beats the default store', {timeout: SLOW_MS}, async () => {
    const {cli, store} = sandbox()
    for (const name of ['flag-context', 'env-context', 'current']) ok(await cli(['context', 'add', name, `file:${store(name)}`]))
    ok(await cli(['context', 'use', 'current']))
    /** The store `inspect` looked at (it creates it if need be, empty). */
    const storeUsed = async (args: string[], env: Record<string, string | undefined>) => {
      const result = ok(await cli(['inspect', '--json', ...args], env))
      return JSON.parse(result.stdout).extras.path as string
    }
    const env = {MQKIT_URL: `file:${store('env-url')}`, MQKIT_CONTEXT: 'env-context'}
    expect(await storeUsed(['--url', `file:${store('flag-url')}`, '--context', 'flag-context'], env)).toBe(store('flag-url'))
    expect(await storeUsed(['--context', 'flag-context'], env)).toBe(store('flag-context'))
    expect(await storeUsed([], env)).toBe(store('env-url'))
    expect(await storeUsed([], {MQKIT_CONTEXT: 'env-context'})).toBe(store('env-context'))
    expect(await storeUsed([], {})).toBe(store('current'))
    ok(await cli(['context', 'use', '--none']))
    expect(await storeUsed([], {})).toBe(path.join(path.dirname(store('x')), 'default.db'))
  })

  it('a warning when MQKIT_URL or MQKIT_CONTEXT will override the context just made current', {timeout: SLOW_MS}, async () => {
    const {cli} = sandbox()
    ok(await cli(['context', 'add', 'dev', 'memory://']))
    const used = ok(await cli(['context', 'use', 'dev'], {MQKIT_URL: 'memory://'}))
    expect(used.stderr.trim()).toBe('mqkit: warning: MQKIT_URL is set in this shell and takes precedence over the current context')
  })

  it('publish, then consume and inspect, through a context on the local store; bench through one on memory://', {timeout: SLOW_MS}, async () => {
    const {cli, store} = sandbox()
    ok(await cli(['context', 'add', 'local', `file:${store('local')}`]))
    ok(await cli(['declare', 'orders', '--context', 'local']))
    const published = ok(await cli(['publish', 'orders', '--context', 'local'], {}, 'one\ntwo\n'))
    expect(published.stderr).not.toContain('no --url given')
    expect(JSON.parse(ok(await cli(['inspect', 'orders', '--json'], {MQKIT_CONTEXT: 'local'})).stdout)).toMatchObject({queues: [{name: 'orders', ready: 2}]})
    ok(await cli(['context', 'use', 'local']))
    expect(ok(await cli(['consume', 'orders', '--count', '2'])).stdout).toBe('one\ntwo\n')
    expect(existsSync(store('default'))).toBe(false)

    ok(await cli(['context', 'add', 'mem', 'memory://bench']))
    const bench = JSON.parse(ok(await cli(['bench', '--context', 'mem', '--count', '200', '--json'])).stdout)
    expect(bench.meta).toMatchObject({backend: 'memory', url: 'memory://bench'})
  })

  it('a URL with ${NAME} is expanded when used; a missing variable is one line naming it', {timeout: SLOW_MS}, async () => {
    const {cli, home} = sandbox()
    ok(await cli(['context', 'add', 'dir', 'file:${MQKIT_TEST_STORE_DIR}/q.db']))
    const missing = await cli(['inspect', '--context', 'dir'])
    expect(missing).toMatchObject({
      code: 2,
      stdout: '',
      stderr: 'mqkit: context "dir" refers to the environment variable MQKIT_TEST_STORE_DIR, which is not set\n',
    })
    const used = ok(await cli(['inspect', '--context', 'dir', '--json'], {MQKIT_TEST_STORE_DIR: home}))
    expect(JSON.parse(used.stdout).extras.path).toBe(path.join(home, 'q.db'))
  })
})

describe('passwords', () => {
  const PLAIN = 'Pl41n-S3cret'
  const FROM_ENV = 'Env-S3cret-xyz'

  it('a password written into the URL is refused without --allow-plain-password', {timeout: SLOW_MS}, async () => {
    const {cli, file} = sandbox()
    const refused = await cli(['context', 'add', 'dev', `amqp://guest:${PLAIN}@127.0.0.1:5672`])
    expect(refused.code).toBe(2)
    expect(refused.stderr).toBe(
      `mqkit: the URL of context "dev" holds a password, which would be stored in plain text in ${file}: write \${VARIABLE} in its place (an environment variable, read each time the context is used; single-quote the URL), or add --allow-plain-password\n`,
    )
    expect(refused.stderr).not.toContain(PLAIN)
    expect(existsSync(file)).toBe(false)
  })

  it('are never printed: not by add, use, list, show, remove (text or --json), nor in errors, --json errors or --verbose', {timeout: SLOW_MS}, async () => {
    const {cli} = sandbox()
    const env = {MQKIT_TEST_PASSWORD: FROM_ENV}
    const outputs: CliResult[] = []
    const run = async (args: string[], code = 0) => {
      const result = await cli(args, env)
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(code)
      outputs.push(result)
      return result
    }
    // Port 1: nothing listens there, so connecting fails at once with an error quoting the URL.
    await run(['context', 'add', 'plain', `amqp://guest:${PLAIN}@127.0.0.1:1?passphrase=${PLAIN}`, '--allow-plain-password'])
    await run(['context', 'add', 'plain', `amqp://guest:${PLAIN}@127.0.0.1:1`, '--allow-plain-password', '--force', '--json'])
    await run(['context', 'add', 'ref', 'amqp://guest:${MQKIT_TEST_PASSWORD}@127.0.0.1:1', '--use'])
    for (const name of ['plain', 'ref']) {
      await run(['context', 'show', name])
      await run(['context', 'show', name, '--json'])
      await run(['context', 'use', name, '--json'])
      await run(['inspect', '--connect-timeout', '2s'], 3)
      await run(['inspect', '--context', name, '--json', '--verbose', '--connect-timeout', '2s'], 3)
      await run(['publish', 'q', 'm', '--context', name, '--connect-timeout', '2s'], 3)
    }
    await run(['context', 'list'])
    await run(['context', 'list', '--json'])
    await run(['context', 'remove', 'plain', '--json'])
    expect(outputs.filter((r) => r.stderr.includes('127.0.0.1:1')).length).toBeGreaterThan(0) // the errors did name the broker
    for (const {stdout, stderr} of outputs) {
      for (const secret of [PLAIN, FROM_ENV]) {
        expect(stdout).not.toContain(secret)
        expect(stderr).not.toContain(secret)
      }
    }
  })
})

describe('RabbitMQ through a context', async () => {
  const enabled = await amqpAvailable()
  const withoutPassword = (() => {
    const url = new URL(AMQP_URL)
    const password = decodeURIComponent(url.password) || 'guest'
    const user = decodeURIComponent(url.username) || 'guest'
    return {
      password,
      url: AMQP_URL.replace(/^(amqps?:\/\/)[^@/]*@/, '$1').replace(/^(amqps?:\/\/)/, `$1${encodeURIComponent(user)}:\${MQKIT_TEST_RABBIT_PASSWORD}@`),
    }
  })()

  it.skipIf(!enabled)('declare, publish, consume, delete with the password from an environment variable', {timeout: SLOW_MS}, async () => {
    const {cli} = sandbox()
    const queue = uniqueName('context')
    ok(await cli(['context', 'add', 'rabbit', withoutPassword.url, '--use']))
    const env = {MQKIT_TEST_RABBIT_PASSWORD: withoutPassword.password}
    try {
      ok(await cli(['declare', queue], env))
      ok(await cli(['publish', queue, 'hello', 'world'], env))
      const consumed = ok(await cli(['consume', queue, '--count', '2', '--context', 'rabbit'], env))
      expect(consumed.stdout).toBe('hello\nworld\n')
      const missing = await cli(['inspect', queue])
      expect(missing).toMatchObject({
        code: 2,
        stderr: 'mqkit: context "rabbit" refers to the environment variable MQKIT_TEST_RABBIT_PASSWORD, which is not set\n',
      })
      const wrong = await cli(['inspect', queue], {MQKIT_TEST_RABBIT_PASSWORD: 'Wr0ng-Passw0rd'})
      expect(wrong.code).toBe(3)
      expect(wrong.stderr).toMatch(/access refused/)
      expect(wrong.stderr).not.toContain('Wr0ng-Passw0rd')
    } finally {
      await cli(['delete', queue, '--if-exists'], env)
    }
  })
})

// A file the user made by hand, or an older mqkit's: read as it is.
describe('a contexts file written by hand', () => {
  it('is used as written; its current context must exist', {timeout: SLOW_MS}, async () => {
    const {cli, file, store} = sandbox()
    mkdirSync(path.dirname(file), {recursive: true})
    writeFileSync(file, JSON.stringify({contexts: {hand: {url: `file:${store('hand')}`}}, current: 'hand'}))
    expect(JSON.parse(ok(await cli(['inspect', '--json'])).stdout).extras.path).toBe(store('hand'))
    writeFileSync(file, JSON.stringify({contexts: {}, current: 'gone'}))
    expect(await cli(['inspect'])).toMatchObject({
      code: 2,
      stderr: `mqkit: unknown context "gone" (from current context); no contexts are defined in ${file}; add one with: mqkit context add NAME URL\n`,
    })
  })
})
