// Where commands go with no --url (README "Connecting"): the terminal verbs use the default local
// store (MQKIT_STORE, else $XDG_DATA_HOME/mqkit/queues.db) and say so once on stderr; MQKIT_URL
// replaces the default and --url replaces MQKIT_URL; bench with no URL stays on memory://.
import {existsSync, mkdtempSync, rmSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {runCli} from '../helpers/cli.js'

const folder = mkdtempSync(path.join(os.tmpdir(), 'mqkit-defaults-'))
afterAll(() => rmSync(folder, {recursive: true, force: true}))

const note = (store: string) => `mqkit: no --url given; using the local store file:${store} (set --url or MQKIT_URL to choose)`

describe.concurrent('no --url', () => {
  it('the terminal verbs share the default store ($MQKIT_STORE), saying so once per command', async () => {
    const store = path.join(folder, 'store', 'default.db')
    const env = {MQKIT_STORE: store}
    const declared = await runCli(['declare', 'orders'], {env})
    expect(declared.code, declared.stderr).toBe(0)
    expect(declared.stderr.trim()).toBe(note(store))
    expect(declared.stdout).toBe('created queue orders\n')
    expect(existsSync(store)).toBe(true)
    const published = await runCli(['publish', 'orders'], {env, input: 'one\ntwo\n'})
    expect(published.code, published.stderr).toBe(0)
    expect(published.stderr.split('\n').filter((line) => line.includes('no --url given'))).toEqual([note(store)])
    const consumed = await runCli(['consume', 'orders', '--count', '2'], {env})
    expect(consumed.stdout).toBe('one\ntwo\n')
    const inspected = await runCli(['inspect', 'orders', '--json'], {env})
    expect(JSON.parse(inspected.stdout)).toMatchObject({queues: [{name: 'orders', ready: 0}], extras: {path: store}})
  })

  it('without $MQKIT_STORE the store is $XDG_DATA_HOME/mqkit/queues.db', async () => {
    const xdg = path.join(folder, 'xdg')
    const declared = await runCli(['declare', 'q'], {env: {MQKIT_STORE: undefined, XDG_DATA_HOME: xdg}})
    expect(declared.code, declared.stderr).toBe(0)
    expect(declared.stderr.trim()).toBe(note(path.join(xdg, 'mqkit', 'queues.db')))
    expect(existsSync(path.join(xdg, 'mqkit', 'queues.db'))).toBe(true)
  })

  it('MQKIT_URL replaces the default, silently; --url replaces MQKIT_URL', async () => {
    const store = path.join(folder, 'unused', 'default.db')
    const fromEnv = path.join(folder, 'env.db')
    const fromFlag = path.join(folder, 'flag.db')
    const env = {MQKIT_STORE: store, MQKIT_URL: `file:${fromEnv}`}
    const declared = await runCli(['declare', 'orders'], {env})
    expect(declared.code, declared.stderr).toBe(0)
    expect(declared.stderr).toBe('')
    expect(existsSync(fromEnv)).toBe(true)
    const flagged = await runCli(['declare', 'orders', '--url', `file:${fromFlag}`], {env})
    expect(flagged.stdout).toBe('created queue orders\n') // a new queue in the other store
    expect(existsSync(fromFlag)).toBe(true)
    expect(existsSync(store)).toBe(false)
  })

  it('bench stays on memory:// (never the store); MQKIT_URL applies to it too', async () => {
    const store = path.join(folder, 'bench', 'default.db')
    const plain = await runCli(['bench', '--count', '100', '--json'], {env: {MQKIT_STORE: store}})
    expect(plain.code, plain.stderr).toBe(0)
    expect(JSON.parse(plain.stdout).meta).toMatchObject({backend: 'memory', url: 'memory://'})
    expect(existsSync(store)).toBe(false)
    const viaEnv = await runCli(['bench', '--count', '100', '--json'], {env: {MQKIT_STORE: store, MQKIT_URL: `file:${path.join(folder, 'bench.db')}`}})
    expect(viaEnv.code, viaEnv.stderr).toBe(0)
    expect(JSON.parse(viaEnv.stdout).meta).toMatchObject({backend: 'local', url: `file:${path.join(folder, 'bench.db')}`})
    expect(existsSync(store)).toBe(false)
  })
  it('a URL given as the queue name is refused (exit 2, one line, password hidden), never a queue of that name in the store', async () => {
    const store = path.join(folder, 'url-as-name', 'default.db')
    const env = {MQKIT_STORE: store}
    const cases: Array<[string[], string]> = [
      [['publish', 'kafka://127.0.0.1:9092/orders', 'hello'], '--url kafka://127.0.0.1:9092 orders'],
      [['consume', 'amqp://guest:s3cret@127.0.0.1/orders'], '--url amqp://guest:***@127.0.0.1/orders NAME'],
      [['declare', 'file:/tmp/orders.db'], '--url file:/tmp/orders.db NAME'],
      [['delete', 'memory://'], '--url memory:// NAME'],
      [['inspect', 'orders', 'KAFKA://h:9092/t'], '--url kafka://h:9092 t'],
    ]
    for (const [args, suggestion] of cases) {
      const r = await runCli(args, {env, input: ''})
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2)
      expect(r.stderr.trim().split('\n')).toHaveLength(1)
      expect(r.stderr).toContain('is a URL, not a queue or topic name')
      expect(r.stderr).toContain(suggestion)
      expect(r.stderr).not.toContain('s3cret')
    }
    expect(existsSync(store)).toBe(false)
    // A message body that is a URL is just a body.
    const published = await runCli(['publish', 'links', 'http://example.com/a', '--url', 'memory://'])
    expect(published.stderr).toContain('queue "links" does not exist')
  })
})
