// Every exit code of the README's table, from the real CLI (bin/run.js over dist/), each with the
// one `mqkit:` line that explains it. No broker needed: the local store (file:) in a temporary
// folder, memory:// for bench, and loopback servers that refuse or never answer. The capacity
// search's codes (10, 11) are tested with it.
import {mkdtempSync, rmSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {afterAll, describe, expect, it} from 'vitest'
import {ExitCode} from '../../src/errors.js'
import {uniqueName, waitFor} from '../helpers/brokers.js'
import {runCli, startCli, type CliResult} from '../helpers/cli.js'
import {silentServer} from '../helpers/silent-server.js'

const folder = mkdtempSync(path.join(os.tmpdir(), 'mqkit-exit-'))
afterAll(() => rmSync(folder, {recursive: true, force: true}))
const STORE = `file:${path.join(folder, 'queues.db')}`
const NO_BINDINGS = fileURLToPath(new URL('./fixtures/no-sqlite-bindings.cjs', import.meta.url))

const cli = (args: string[], options: Parameters<typeof runCli>[1] = {}) => runCli([...args, '--url', STORE], options)
async function ok(args: string[], input?: string): Promise<void> {
  const result = await cli(args, {input})
  expect(result.code, result.stderr).toBe(0)
}

/** Start `consume`, wait for its first line, send `signal`: the run must end by it. */
async function interruptedConsume(signal: NodeJS.Signals): Promise<CliResult> {
  const queue = uniqueName('sig')
  await ok(['declare', queue])
  await ok(['publish', queue, 'first'])
  const running = startCli(['consume', queue, '--url', STORE])
  await waitFor('the first line', () => running.stdout() === 'first\n')
  running.child.kill(signal)
  const {code, signal: killedBy} = await running.exited
  return {code, signal: killedBy, stdout: running.stdout(), stderr: running.stderr()}
}

interface Row {
  code: number
  what: string
  run: () => Promise<CliResult>
  /** The explaining line on stderr (`mqkit: …` for failures). */
  stderr: RegExp
}

const ROWS: Row[] = [
  {code: 0, what: 'success', run: () => cli(['declare', uniqueName('ok')]), stderr: /^$/},
  {
    code: 1,
    what: "an installation problem: better-sqlite3's native module not built",
    run: () => cli(['inspect', 'q'], {env: {NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require=${NO_BINDINGS}`.trim()}}),
    stderr: /^mqkit: the local store \(file:\) needs better-sqlite3's native module, .* run "npm rebuild better-sqlite3"/m,
  },
  {code: 2, what: 'usage: a bad flag value, named', run: () => cli(['consume', 'q', '--count', 'abc']), stderr: /^mqkit: .*--count.*"abc"/m},
  {
    code: 3,
    what: 'cannot connect: a refused port',
    run: () => runCli(['inspect', 'q', '--url', 'amqp://guest:guest@127.0.0.1:1', '--connect-timeout', '5s']),
    stderr: /^mqkit: cannot connect to 127\.0\.0\.1:1: connection refused/m,
  },
  {
    code: 4,
    what: 'fewer messages than --count before --idle-timeout',
    async run() {
      const queue = uniqueName('idle')
      await ok(['declare', queue])
      await ok(['publish', queue, 'a', 'b'])
      const result = await cli(['consume', queue, '--count', '5', '--idle-timeout', '300ms'])
      expect(result.stdout).toBe('a\nb\n') // written before the failure
      return result
    },
    stderr: /^mqkit: .*2 of 5/m,
  },
  {code: 5, what: 'not found', run: () => cli(['delete', uniqueName('missing')]), stderr: /^mqkit: .*does not exist/m},
  {
    code: 5,
    what: 'the queue deleted while consuming',
    async run() {
      const queue = uniqueName('gone')
      await ok(['declare', queue])
      await ok(['publish', queue, 'first'])
      const running = startCli(['consume', queue, '--url', STORE])
      await waitFor('the first line', () => running.stdout() === 'first\n')
      await ok(['delete', queue])
      const {code, signal} = await running.exited
      return {code, signal, stdout: running.stdout(), stderr: running.stderr()}
    },
    stderr: /^mqkit: .*deleted/m,
  },
  {
    code: 6,
    what: 'precondition: redeclared with another setting, named',
    async run() {
      const queue = uniqueName('redeclare')
      await ok(['declare', queue, '--max-length', '10'])
      return cli(['declare', queue, '--max-length', '20'])
    },
    stderr: /^mqkit: .*maxLength=10.*maxLength=20/m,
  },
  {
    code: 7,
    what: 'the backend cannot do that: an exchange on file:',
    run: () => cli(['declare', uniqueName('x'), '--exchange-type', 'topic']),
    stderr: /^mqkit: .*exchange/m,
  },
  {
    code: 8,
    what: 'a bench --assert failed',
    run: () => runCli(['bench', '--count', '200', '--quiet', '--assert', 'p99<0.0001ms']),
    stderr: /1 of 1 assertions failed: p99<0\.0001ms/,
  },
  {
    code: 9,
    what: 'messages not confirmed: rejected by a full queue (reject-publish)',
    async run() {
      const queue = uniqueName('full')
      await ok(['declare', queue, '--max-length', '1', '--overflow', 'reject-publish'])
      return cli(['publish', queue, 'fits', 'no room'])
    },
    stderr: /^mqkit: 1 of 2 messages were not confirmed by the broker \(1 rejected\)/m,
  },
  {code: 130, what: 'interrupted by Ctrl-C (SIGINT)', run: () => interruptedConsume('SIGINT'), stderr: /^mqkit: interrupted/m},
  {code: 143, what: 'interrupted by SIGTERM', run: () => interruptedConsume('SIGTERM'), stderr: /^mqkit: interrupted/m},
]

describe('exit codes (README "Exit codes")', () => {
  it("the table covers every code in src/errors.ts but the capacity search's", () => {
    const documented = new Set(ROWS.map((row) => row.code))
    const all = Object.values(ExitCode).filter((code) => code !== ExitCode.noSustainableRate && code !== ExitCode.capacityUnconfirmed)
    expect([...documented].sort((a, b) => a - b)).toEqual([...new Set(all)].sort((a, b) => a - b))
  })

  for (const {code, what, run, stderr} of ROWS) {
    it.concurrent(`exit ${code}: ${what}`, async () => {
      const result = await run()
      expect({code: result.code, stderr: result.stderr}).toMatchObject({code, stderr: expect.stringMatching(stderr)})
      // One explaining line, no stack trace.
      expect(result.stderr.split('\n').filter((line) => line.startsWith('mqkit:')).length).toBeLessThanOrEqual(1)
      expect(result.stderr).not.toMatch(/^\s+at /m)
    })
  }

  it('3 for a broker that accepts and never answers comes at --connect-timeout, not later (RabbitMQ and Kafka)', async () => {
    const silent = await silentServer()
    try {
      const started = performance.now()
      const [amqp, kafka] = await Promise.all([
        runCli(['inspect', 'q', '--url', `amqp://guest:guest@127.0.0.1:${silent.port}`, '--connect-timeout', '1s']),
        runCli(['inspect', 'q', '--url', `kafka://127.0.0.1:${silent.port}`, '--connect-timeout', '1s']),
      ])
      const elapsedMs = performance.now() - started
      expect([amqp.code, kafka.code]).toEqual([3, 3])
      expect(amqp.stderr).toMatch(/no answer within 1000 ms/)
      expect(kafka.stderr).toMatch(/cannot reach Kafka at 127\.0\.0\.1:\d+ within 1000 ms/)
      // Both processes' start-up (~0.5 s each on two busy cores) plus the timeout, with room.
      expect(elapsedMs).toBeLessThan(1000 + 3000)
    } finally {
      await silent.close()
    }
  })
})
