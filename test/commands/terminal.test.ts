// The terminal verbs as typed at a shell, on the local store (separate processes, no broker):
// a message after a repeatable flag, kcat's escapes in --key-delimiter, a peek that ends when the
// queue has no more, and the exit code of each interrupting signal.
import {spawn} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {uniqueName} from '../helpers/brokers.js'
import {BIN, ROOT, runCli} from '../helpers/cli.js'

const storeDir = mkdtempSync(path.join(os.tmpdir(), 'mqkit-terminal-'))
const url = `file:${path.join(storeDir, 'queues.db')}`
afterAll(() => rmSync(storeDir, {recursive: true, force: true}))

const cli = (args: string[], input?: string) => runCli([...args, '--url', url], {input, timeoutMs: 20_000})

async function declared(prefix: string): Promise<string> {
  const queue = uniqueName(prefix)
  const result = await cli(['declare', queue])
  expect(result.code, result.stderr).toBe(0)
  return queue
}

describe.concurrent('at the terminal (file:)', () => {
  it('a message after a repeatable flag is a message, not another value of the flag', async () => {
    const queue = await declared('greedy')
    const published = await cli(['publish', queue, '--header', 'a=b', '--header', 'c=d', 'body'])
    expect(published.code, published.stderr).toBe(0)
    const consumed = await cli(['consume', queue, '--count', '1', '--json'])
    expect(consumed.code, consumed.stderr).toBe(0)
    expect(JSON.parse(consumed.stdout)).toMatchObject({body: 'body', headers: {a: 'b', c: 'd'}})
  })

  it('--key-delimiter "\\t" is a tab, on publish and on consume (kcat -K)', async () => {
    const queue = await declared('tab')
    const published = await cli(['publish', queue, '--key-delimiter', '\\t'], 'k1\tv1\nk2\tv2\n')
    expect(published.code, published.stderr).toBe(0)
    const consumed = await cli(['consume', queue, '--count', '2', '--key-delimiter', '\\t'])
    expect(consumed.code, consumed.stderr).toBe(0)
    expect(consumed.stdout).toBe('k1\tv1\nk2\tv2\n')
  })

  it('a peek for more than the queue holds ends once it has seen them all, saying how many, and leaves them queued', async () => {
    const queue = await declared('peek')
    expect((await cli(['publish', queue, 'm1'])).code).toBe(0)
    const peek = await cli(['consume', queue, '--requeue', '--count', '5'])
    expect(peek.code, peek.stderr).toBe(0)
    expect(peek.stdout).toBe('m1\n')
    expect(peek.stderr).toContain('mqkit: peeked at 1 message of --count 5: the queue holds no more')
    const taken = await cli(['consume', queue, '--count', '1'])
    expect(taken.stdout).toBe('m1\n')
    const emptyPeek = await cli(['consume', queue, '--requeue'])
    expect(emptyPeek.code, emptyPeek.stderr).toBe(0)
    expect(emptyPeek.stdout).toBe('')
    expect(emptyPeek.stderr).toContain('mqkit: peeked at 0 messages: the queue holds no more')
  })

  it.each([
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const)('%s while consuming is exit %i', async (signal, expected) => {
    const queue = await declared('signal')
    expect((await cli(['publish', queue, 'first'])).code).toBe(0)
    const child = spawn(process.execPath, [BIN, 'consume', queue, '--url', url], {
      cwd: ROOT,
      env: {...process.env, NO_COLOR: '1', MQKIT_URL: undefined} as NodeJS.ProcessEnv,
    })
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
    // Consuming for sure once the first message is out; then the signal.
    child.stdout.once('data', () => child.kill(signal))
    expect(await exited, stderr).toBe(expected)
    expect(stderr).toContain(`${signal} received`)
    expect(stderr).toMatch(/^mqkit: interrupted/m)
  })
})
