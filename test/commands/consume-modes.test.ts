// consume's settle modes and its end when stdout closes, through the real CLI on the queue
// backends (the local store; RabbitMQ when reachable), with the queue read in this process:
// --no-ack (the broker settles on delivery), --reject (to the dead-letter target), and
// `consume | head -3` (the unwritten messages go back; a quiet end).
import {spawn} from 'node:child_process'
import {afterAll, describe, expect, it} from 'vitest'
import {uniqueName, waitFor} from '../helpers/brokers.js'
import {BIN, ROOT, runCli, startCli} from '../helpers/cli.js'
import {quietPeriod} from '../conformance/harness.js'
import {CLI_BACKENDS, queueStats} from './backends.js'

const QUEUE_BACKENDS = CLI_BACKENDS.filter((b) => b.name !== 'kafka')
const enabledByName = new Map(await Promise.all(QUEUE_BACKENDS.map(async (b) => [b.name, await b.available()] as const)))

describe.concurrent.each(QUEUE_BACKENDS)('consume on $name', (backend) => {
  const enabled = enabledByName.get(backend.name) === true
  const queues: string[] = []
  const cli = (args: string[], input?: string) => runCli([...args, '--url', backend.url], {input, timeoutMs: 45_000})
  async function filled(prefix: string, lines: string[]): Promise<string> {
    const queue = uniqueName(`${prefix}-${backend.name}`)
    queues.push(queue)
    expect((await cli(['declare', queue])).code).toBe(0)
    const published = await cli(['publish', queue], `${lines.join('\n')}\n`)
    expect(published.code, published.stderr).toBe(0)
    return queue
  }

  afterAll(async () => {
    if (enabled) for (const queue of queues) await cli(['delete', queue, '--if-exists'])
  })

  it.skipIf(!enabled)('--no-ack: --count N writes exactly the first N', async () => {
    const queue = await filled('noack-count', ['m0', 'm1', 'm2', 'm3', 'm4'])
    const consumed = await cli(['consume', queue, '--no-ack', '--count', '2'])
    expect(consumed.code, consumed.stderr).toBe(0)
    expect(consumed.stdout).toBe('m0\nm1\n')
  })

  it.skipIf(!enabled)('--no-ack: the broker settles on delivery, so messages delivered but never written are gone', async () => {
    // 200 KB each: the first write fills the pipe nobody reads, so the rest wait unwritten.
    const big = Array.from({length: 5}, (_, i) => `big${i}`.padEnd(200_000, '.'))
    const queue = await filled('noack-lost', big)
    const running = startCli(['consume', queue, '--url', backend.url, '--no-ack'])
    running.child.stdout.pause()
    try {
      await waitFor('all 5 delivered to the consumer', async () => (await queueStats(backend, queue)).ready === 0, 20_000)
      running.child.kill('SIGKILL')
      await running.exited
      // With acks they would come back (at once on RabbitMQ; on the local store after the lease,
      // counted in flight until then).
      await quietPeriod(500)
      expect(await queueStats(backend, queue)).toMatchObject({ready: 0, inFlight: 0})
    } finally {
      running.child.kill('SIGKILL')
    }
  })

  it.skipIf(!enabled)('stdout closed (| head -3): the unwritten messages go back to the queue, a quiet exit 0', async () => {
    const lines = Array.from({length: 500}, (_, i) => `line-${i}`)
    const queue = await filled('head', lines)
    const result = await new Promise<{code: number | null; stdout: string; stderr: string}>((resolve) => {
      const shell = spawn('bash', ['-c', 'set -o pipefail; "$0" "$1" consume "$2" --url "$3" | head -3', process.execPath, BIN, queue, backend.url], {
        cwd: ROOT,
        env: {...process.env, NO_COLOR: '1', MQKIT_URL: ''},
      })
      let stdout = ''
      let stderr = ''
      shell.stdout.on('data', (chunk: Buffer) => (stdout += chunk))
      shell.stderr.on('data', (chunk: Buffer) => (stderr += chunk))
      shell.on('close', (code) => resolve({code, stdout, stderr}))
    })
    // pipefail: 0 means consume itself exited 0, as head did.
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toBe('line-0\nline-1\nline-2\n')
    expect(result.stderr).not.toMatch(/^mqkit:/m)
    const consumed = Number(/^consumed from \S+: ([\d,]+) messages?,.*\(output closed\)$/m.exec(result.stderr)?.[1]?.replace(/,/g, ''))
    expect(consumed, result.stderr).toBeGreaterThanOrEqual(3)
    // What consume wrote (into the pipe, some never read by head) was acknowledged; nothing else.
    expect(await queueStats(backend, queue)).toMatchObject({ready: lines.length - consumed, inFlight: 0})
    const rest = await cli(['consume', queue, '--count', '1'])
    expect(rest.stdout).toBe(`line-${consumed}\n`)
  })
})

describe('consume --reject (local store)', () => {
  const backend = QUEUE_BACKENDS.find((b) => b.name === 'file')!
  const cli = (args: string[], input?: string) => runCli([...args, '--url', backend.url], {input})

  it('writes each message, then rejects it without requeue: all in the dead-letter queue, none left', async () => {
    const queue = uniqueName('reject')
    const dlq = `${queue}-dlq`
    expect((await cli(['declare', dlq])).code).toBe(0)
    expect((await cli(['declare', queue, '--dead-letter', dlq])).code).toBe(0)
    expect((await cli(['publish', queue, 'r1', 'r2', 'r3'])).code).toBe(0)
    const rejected = await cli(['consume', queue, '--reject', '--count', '3'])
    expect(rejected.code, rejected.stderr).toBe(0)
    expect(rejected.stdout).toBe('r1\nr2\nr3\n')
    expect(await queueStats(backend, queue)).toMatchObject({ready: 0, inFlight: 0})
    const dead = await cli(['consume', dlq, '--count', '3', '--json'])
    expect(
      dead.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).body),
    ).toEqual(['r1', 'r2', 'r3'])
  })
})
