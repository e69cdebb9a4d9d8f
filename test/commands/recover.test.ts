// consume --recover and publish --recover from the real CLI without a broker failure (the
// failures are in test/drivers/amqp/recover-commands.test.ts): the flags' usage rules, and a healthy run
// that says it was watching (0 re-sent, 0 written but not acknowledged) with --json's `resent`.
import {mkdtempSync, rmSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {uniqueName} from '../helpers/brokers.js'
import {runCli} from '../helpers/cli.js'

const folder = mkdtempSync(path.join(os.tmpdir(), 'mqkit-recover-'))
afterAll(() => rmSync(folder, {recursive: true, force: true}))
const STORE = `file:${path.join(folder, 'queues.db')}`

/** The one `mqkit:` line of a failed run. */
function errorLines(stderr: string): string[] {
  return stderr.split('\n').filter((line) => line.startsWith('mqkit:'))
}

describe('--recover on consume and publish', () => {
  it.each([
    [['consume', 'q', '--recover-timeout', '5s'], /^mqkit: --recover-timeout needs --recover$/],
    [['publish', 'q', 'x', '--recover-timeout', '5s'], /^mqkit: --recover-timeout needs --recover$/],
    [['consume', 'q', '--recover', '--recover-timeout', '0s'], /^mqkit: --recover-timeout must be longer than 0, got "0s"$/],
    [['publish', 'q', 'x', '--recover', '--recover-timeout', 'soon'], /^mqkit: --recover-timeout must be a duration such as 500ms, 30s or 2m, got "soon"$/],
    [['consume', 'q', '--recover', '--requeue'], /^mqkit: --recover cannot be combined with --requeue/],
  ])('%j is a one-line usage error (exit 2)', async (args, line) => {
    const queue = uniqueName('usage')
    expect((await runCli(['declare', queue, '--url', STORE])).code).toBe(0)
    const result = await runCli([...args.map((a) => (a === 'q' ? queue : a)), '--url', STORE])
    expect(result.code, result.stderr).toBe(2)
    const errors = errorLines(result.stderr)
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatch(line)
    expect(result.stdout).toBe('')
  })

  it('a healthy run with --recover: the same messages, and the summaries say nothing was re-sent or left unacknowledged', async () => {
    const queue = uniqueName('healthy')
    expect((await runCli(['declare', queue, '--url', STORE])).code).toBe(0)
    const published = await runCli(['publish', queue, '--url', STORE, '--recover', '--json'], {input: 'a\nb\nc\n'})
    expect(published.code, published.stderr).toBe(0)
    expect(JSON.parse(published.stdout)).toMatchObject({confirmed: 3, resent: 0})
    expect(published.stderr).toMatch(new RegExp(`^published to ${queue}: 3 confirmed, 0 re-sent in `, 'm'))
    const consumed = await runCli(['consume', queue, '--url', STORE, '--recover', '--recover-timeout', '30s', '--count', '3'])
    expect(consumed.code, consumed.stderr).toBe(0)
    expect(consumed.stdout).toBe('a\nb\nc\n')
    expect(consumed.stderr).toMatch(
      new RegExp(`^consumed from ${queue}: 3 messages, 0 written but not acknowledged, mean handling .* \\(count reached\\)$`, 'm'),
    )
  })

  it('without --recover the summaries and --json are as before (no re-sent count)', async () => {
    const queue = uniqueName('plain')
    expect((await runCli(['declare', queue, '--url', STORE])).code).toBe(0)
    const published = await runCli(['publish', queue, 'a', '--url', STORE, '--json'])
    expect(JSON.parse(published.stdout)).not.toHaveProperty('resent')
    expect(published.stderr).not.toMatch(/re-sent/)
    const consumed = await runCli(['consume', queue, '--url', STORE, '--count', '1'])
    expect(consumed.stderr).not.toMatch(/acknowledged/)
  })

  it('--help of both commands names --recover and --recover-timeout with its default', async () => {
    for (const command of ['consume', 'publish']) {
      const help = (await runCli([command, '--help'])).stdout.replace(/\s+/g, ' ')
      expect(help).toMatch(/--recover Ride out a lost connection: reconnect with backoff/)
      expect(help).toMatch(/--recover-timeout=<value> With --recover: give up \(exit 3\) when one outage lasts longer than this\. Default: 60s\./)
    }
  })
})
