// One rule per idea across commands (README "Flags"): -n is the count (-c still works), -f the
// output format (publish keeps -f for --file beside -l), a bare number in a duration is seconds
// (flags where it was milliseconds refuse it), defaults written one way; -v alone and --version
// name the client libraries; inspect --watch says its unit.
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import os from 'node:os'
import path from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {parseDurationMs} from '../../src/flag-grammars.js'
import {waitFor} from '../helpers/brokers.js'
import {runCli, startCli} from '../helpers/cli.js'

const folder = mkdtempSync(path.join(os.tmpdir(), 'mqkit-flags-'))
afterAll(() => rmSync(folder, {recursive: true, force: true}))

function installedVersion(name: string): string {
  if (name === '@platformatic/kafka') {
    // ES module only: no require entry to start from.
    return (JSON.parse(readFileSync(path.join('node_modules', '@platformatic', 'kafka', 'package.json'), 'utf8')) as {version: string}).version
  }
  const require = createRequire(import.meta.url)
  let dir = path.dirname(require.resolve(name))
  while (!dir.endsWith(`node_modules${path.sep}${name}`)) dir = path.dirname(dir)
  return (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as {version: string}).version
}

describe.concurrent('flags and versions', () => {
  it('--version, version and -v print the same: the user agent, then the client libraries', async () => {
    const [long, word, short] = await Promise.all([runCli(['--version']), runCli(['version']), runCli(['-v'])])
    for (const r of [long, word, short]) expect(r.code, r.stderr).toBe(0)
    expect(word.stdout).toBe(long.stdout)
    expect(short.stdout).toBe(long.stdout)
    const [agent, clients] = long.stdout.trimEnd().split('\n')
    expect(agent).toMatch(/^mqkit\/\d+\.\d+\.\d+ /)
    expect(clients).toBe(
      `client libraries: amqplib ${installedVersion('amqplib')}, kafkajs ${installedVersion('kafkajs')}, @platformatic/kafka ${installedVersion('@platformatic/kafka')}, better-sqlite3 ${installedVersion('better-sqlite3')}`,
    )
    const bench = await runCli(['bench', '--count', '50', '--json', '--quiet'])
    expect(JSON.parse(bench.stdout).meta.clients).toEqual({
      amqplib: installedVersion('amqplib'),
      kafkajs: installedVersion('kafkajs'),
      '@platformatic/kafka': installedVersion('@platformatic/kafka'),
      'better-sqlite3': installedVersion('better-sqlite3'),
    })
  })

  it('-n is the count in publish, consume and bench (-c still works); publish --file is -l (-f still works)', async () => {
    const url = `file:${path.join(folder, 'short.db')}`
    expect((await runCli(['declare', 'q', '--url', url])).code).toBe(0)
    const input = path.join(folder, 'lines.txt')
    writeFileSync(input, 'a\nb\nc\nd\n')
    expect((await runCli(['publish', 'q', '-l', input, '-n', '2', '--url', url])).code).toBe(0)
    expect((await runCli(['publish', 'q', '-f', input, '-c', '1', '--url', url])).code).toBe(0)
    const first = await runCli(['consume', 'q', '-n', '2', '--url', url])
    expect(first.stdout).toBe('a\nb\n')
    const rest = await runCli(['consume', 'q', '-c', '1', '--url', url])
    expect(rest.stdout).toBe('a\n')
    for (const command of ['publish', 'consume', 'bench']) expect((await runCli([command, '--help'])).stdout).toMatch(/^ +-n, --count=/m)
  })

  it('a bare number in a duration is seconds; where it was milliseconds (--ttl, --expiration, --work) a unit is required', async () => {
    const url = `file:${path.join(folder, 'units.db')}`
    const refused: Array<[string[], string]> = [
      [['declare', 'q', '--ttl', '60000', '--url', url], '--ttl needs a unit, e.g. 60000ms or 60000s, got "60000"'],
      [['publish', 'q', 'x', '--expiration', '500', '--url', url], '--expiration needs a unit, e.g. 500ms or 500s, got "500"'],
      [['bench', '--work', '2', '--count', '10'], '--work needs a unit, e.g. 2ms or 2s, got "2"'],
    ]
    for (const [args, message] of refused) {
      const r = await runCli(args)
      expect(r.code, args.join(' ')).toBe(2)
      expect(r.stderr).toContain(`mqkit: ${message}`)
    }
    expect((await runCli(['declare', 'q', '--ttl', '60s', '--url', url])).code).toBe(0)
    expect([
      parseDurationMs('idle-timeout', '2'),
      parseDurationMs('watch', '0.5'),
      parseDurationMs('ttl', '0', 'unit'),
      parseDurationMs('ttl', '250ms', 'unit'),
    ]).toEqual([2000, 500, 0, 250])
    const help = (await runCli(['consume', '--help'])).stdout
    expect(help).toMatch(/--connect-timeout=<value>\s+Give up connecting after this long, e\.g\. 5s or\s+500ms \(bare number: seconds\)\. Default: 10s\./)
    expect(help).not.toContain('[default:')
  })

  it('inspect --watch 1 says "every 1 s"', async () => {
    const url = `file:${path.join(folder, 'watch.db')}`
    expect((await runCli(['declare', 'w', '--url', url])).code).toBe(0)
    const watching = startCli(['inspect', 'w', '--url', url, '--watch', '1'])
    await waitFor('a refresh', () => watching.stdout().includes('Ctrl-C to stop'), 20_000)
    watching.child.kill('SIGINT')
    expect((await watching.exited).code).toBe(0)
    expect(watching.stdout()).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z {2}\(every 1 s; Ctrl-C to stop\)$/m)
  })
})
