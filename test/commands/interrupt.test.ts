// An interrupted consume loses nothing: SIGINT while stdout is blocked (the reader is not reading)
// ends with every message either printed or still in the queue, and exit 130. An interrupted
// publish stops sending, waits for the confirmations outstanding, prints its summary and exits
// 130 (SIGINT) or 143 (SIGTERM): what it counts as confirmed is exactly what the queue holds.
import {spawn} from 'node:child_process'
import {afterAll, describe, expect, it} from 'vitest'
import {BIN, ROOT, runCli, startCli} from '../helpers/cli.js'
import {uniqueName, waitFor} from '../helpers/brokers.js'
import {CLI_BACKENDS, queueStats} from './backends.js'

const MESSAGES = 300
const BODY_BYTES = 2048 // 300 × 2 KiB ≫ a 64 KiB pipe: the consumer blocks on stdout

const enabledByName = new Map(await Promise.all(CLI_BACKENDS.map(async (b) => [b.name, await b.available()] as const)))

function body(i: number): string {
  return `msg-${String(i).padStart(4, '0')}-`.padEnd(BODY_BYTES, 'x')
}

describe.concurrent.each(CLI_BACKENDS)('interrupted consume on $name', (backend) => {
  const enabled = enabledByName.get(backend.name) === true
  const queue = uniqueName(`int-${backend.name}`)
  const cli = (args: string[], input?: string) => runCli([...args, '--url', backend.url], {input, timeoutMs: 45_000})

  afterAll(async () => {
    if (enabled) await cli(['delete', queue, '--if-exists'])
  })

  it.skipIf(!enabled)('every message is printed or still queued', async () => {
    expect((await cli(['declare', queue, ...backend.declareArgs])).code).toBe(0)
    const input = `${Array.from({length: MESSAGES}, (_, i) => body(i)).join('\n')}\n`
    const published = await cli(['publish', queue], input)
    expect(published.code, published.stderr).toBe(0)

    const child = spawn(process.execPath, [BIN, 'consume', queue, '--url', backend.url, ...backend.consumeArgs(queue)], {
      cwd: ROOT,
      env: {...process.env, NO_COLOR: '1', MQKIT_URL: undefined} as NodeJS.ProcessEnv,
    })
    const stderr: Buffer[] = []
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk))
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
    // A slow reader: after each chunk, stop reading for a while, so the pipe fills and the
    // consumer's writes block. Interrupt once streaming is clearly under way, keep reading.
    const stdoutChunks: Buffer[] = []
    let receivedBytes = 0
    let interrupted = false
    child.stdout.on('data', (chunk: Buffer) => {
      stdoutChunks.push(chunk)
      receivedBytes += chunk.length
      child.stdout.pause()
      setTimeout(() => child.stdout.resume(), 30)
      if (!interrupted && receivedBytes >= 32 * 1024) {
        interrupted = true
        child.kill('SIGINT')
      }
    })
    const code = await exited
    const stderrText = Buffer.concat(stderr).toString()
    expect(code, stderrText).toBe(130)
    expect(stderrText).toMatch(/interrupted/)

    const printed = Buffer.concat(stdoutChunks).toString().split('\n').filter(Boolean)
    for (const line of printed) expect(line).toHaveLength(BODY_BYTES) // whole lines only
    expect(printed.length).toBeGreaterThan(0)
    expect(printed.length).toBeLessThan(MESSAGES) // it really was interrupted mid-stream

    const rest = await cli(['consume', queue, '--idle-timeout', '3s', ...backend.consumeArgs(queue)])
    expect(rest.code, rest.stderr).toBe(0)
    const remaining = rest.stdout.split('\n').filter(Boolean)
    const seen = new Set([...printed, ...remaining])
    const missing = Array.from({length: MESSAGES}, (_, i) => body(i)).filter((b) => !seen.has(b))
    expect(missing.map((b) => b.slice(0, 9))).toEqual([])
  })
})

// Queue backends, where "ready" is exactly what was published and not consumed.
const PUBLISH_RUNS = CLI_BACKENDS.filter((b) => b.name !== 'kafka').flatMap((backend) =>
  (['SIGINT', 'SIGTERM'] as const).map((signal) => ({name: backend.name, backend, signal, exitCode: signal === 'SIGINT' ? 130 : 143})),
)

describe.concurrent.each(PUBLISH_RUNS)('interrupted publish on $name by $signal', ({backend, signal, exitCode}) => {
  const enabled = enabledByName.get(backend.name) === true
  const queue = uniqueName(`int-pub-${backend.name}`)

  afterAll(async () => {
    if (enabled) await runCli(['delete', queue, '--if-exists', '--url', backend.url])
  })

  it.skipIf(!enabled)(
    `stops sending, awaits what is outstanding, prints the summary, exits ${exitCode}; the queue holds exactly the confirmed count`,
    async () => {
      expect((await runCli(['declare', queue, '--url', backend.url])).code).toBe(0)
      // Far more than can be sent before the signal, with a full confirm window outstanding as it lands.
      const running = startCli(['publish', queue, '--url', backend.url, '--count', '2000000', '--size', '200', '--json'])
      await waitFor('messages arriving in the queue', async () => (await queueStats(backend, queue)).ready >= 2000, 30_000)
      running.child.kill(signal)
      const {code} = await running.exited
      const stderr = running.stderr()
      expect(code, stderr).toBe(exitCode)
      const confirmed = Number(/^published to \S+: ([\d,]+) confirmed/m.exec(stderr)?.[1]?.replace(/,/g, ''))
      expect(confirmed, stderr).toBeGreaterThanOrEqual(2000)
      expect(confirmed).toBeLessThan(2_000_000)
      expect(stderr).toMatch(/^mqkit: interrupted; the summary above counts what was sent$/m)
      // --json: the counts, with the error that ended the run.
      expect(JSON.parse(running.stdout())).toMatchObject({confirmed, error: {code: 'INTERRUPTED', exitCode}})
      // Every message sent was confirmed before the exit: none in the queue beyond the count.
      expect((await queueStats(backend, queue)).ready).toBe(confirmed)
    },
  )
})
