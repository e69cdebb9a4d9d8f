// The real CLI (bin/run.js over dist/, `npm run build` first): help, bad input and exit codes.
// Everything here runs on memory:// or fails before connecting, so no broker is needed.
import {describe, expect, it} from 'vitest'
import {runCli} from '../helpers/cli.js'

const COMMANDS = ['declare', 'delete', 'publish', 'consume', 'inspect'] as const

/** One line on stderr, "mqkit: ...", and no stack trace. */
function expectOneLineError(stderr: string): string {
  const lines = stderr.trim().split('\n')
  expect(lines, stderr).toHaveLength(1)
  expect(lines[0]).toMatch(/^mqkit: /)
  expect(stderr).not.toMatch(/\n\s+at /)
  return lines[0]
}

describe.concurrent('help', () => {
  it('mqkit --help lists the commands', async () => {
    const {code, stdout} = await runCli(['--help'])
    expect(code).toBe(0)
    for (const command of COMMANDS) expect(stdout).toMatch(new RegExp(`^\\s+${command}\\s`, 'm'))
  })

  it.each(COMMANDS)('%s --help has examples for every backend', async (command) => {
    const {code, stdout} = await runCli([command, '--help'])
    expect(code).toBe(0)
    const examples = stdout.slice(stdout.indexOf('EXAMPLES'))
    expect(examples).toContain(`mqkit ${command} `)
    for (const scheme of ['memory://', 'amqp://', 'kafka://', 'file:']) expect(examples).toContain(scheme)
  })
})

describe.concurrent('bad input', () => {
  it('an unknown flag is exit 2, one line', async () => {
    const {code, stderr} = await runCli(['publish', 'q', 'x', '--bogus'])
    expect(code).toBe(2)
    expect(expectOneLineError(stderr)).toContain('--bogus')
  })

  it('an unsupported URL scheme is exit 2 naming the supported schemes', async () => {
    const {code, stderr} = await runCli(['declare', 'q', '--url', 'foo://x'])
    expect(code).toBe(2)
    const line = expectOneLineError(stderr)
    for (const scheme of ['memory://', 'amqp://', 'kafka://', 'file:']) expect(line).toContain(scheme)
  })

  it.each([
    ['declare', ['q']],
    ['inspect', ['q']],
    ['publish', ['q', 'x']],
  ])('%s never prints the password of the URL', async (command, args) => {
    const {code, stdout, stderr} = await runCli([command, ...args, '--url', 'amqp://u:secret@127.0.0.1:1', '--connect-timeout', '2s', '--json'])
    expect(code).toBe(3)
    expect(stdout + stderr).not.toContain('secret')
    expect(JSON.parse(stdout).error.exitCode).toBe(3)
  })

  // Parsers would read part of such a password as a host or port ("bad broker address "user:pw1"").
  it.each([
    ['inspect', 'kafka://user:pw1/pw2@127.0.0.1:9092'],
    ['bench', 'kafka://user:8765/pw3@127.0.0.1:9092'],
    ['declare', 'amqp://user:8765/pw3@127.0.0.1:5672'],
  ])('%s --url %s (a password not percent-encoded) is exit 2 showing none of it', async (command, url) => {
    const args = command === 'declare' ? ['q'] : command === 'bench' ? ['--count', '10'] : []
    const {code, stdout, stderr} = await runCli([command, ...args, '--url', url, '--json'])
    expect(code, stderr).toBe(2)
    expect(expectOneLineError(stderr)).toContain('percent-encode')
    expect(JSON.parse(stdout).error.exitCode).toBe(2)
    for (const piece of ['pw1', 'pw2', '8765', 'pw3']) expect(stdout + stderr).not.toContain(piece)
  })

  it.each(['publish', 'consume'])('%s --count abc is exit 2 naming the flag and value', async (command) => {
    const {code, stderr} = await runCli([command, 'q', '--count', 'abc'])
    expect(code).toBe(2)
    const line = expectOneLineError(stderr)
    expect(line).toContain('--count')
    expect(line).toContain('"abc"')
  })

  it('publish with empty stdin is exit 2 "no messages"', async () => {
    const {code, stderr} = await runCli(['publish', 'q'], {input: ''})
    expect(code).toBe(2)
    expect(expectOneLineError(stderr)).toMatch(/no messages: stdin was empty/)
  })

  it('conflicting consume modes are exit 2', async () => {
    const {code, stderr} = await runCli(['consume', 'q', '--no-ack', '--requeue'])
    expect(code).toBe(2)
    expect(expectOneLineError(stderr)).toContain('--requeue')
  })

  it('a bad --from is exit 2 naming the value', async () => {
    const {code, stderr} = await runCli(['consume', 'q', '--from', 'yesterday'])
    expect(code).toBe(2)
    expect(expectOneLineError(stderr)).toContain('"yesterday"')
  })

  it('declare --delete with declaration flags is exit 2', async () => {
    const {code, stderr} = await runCli(['declare', 'q', '--delete', '--ttl', '5s'])
    expect(code).toBe(2)
    expect(expectOneLineError(stderr)).toContain('--ttl')
  })
})

describe.concurrent('messages of the command line itself', () => {
  it('a missing argument is one complete line naming it and the help to read', async () => {
    const {code, stderr} = await runCli(['consume'])
    expect(code).toBe(2)
    expect(expectOneLineError(stderr)).toBe('mqkit: missing argument NAME (see mqkit consume --help)')
  })

  it('an unknown flag is one line ending with where to look', async () => {
    const {code, stderr} = await runCli(['consume', 'q', '--nope'])
    expect(code).toBe(2)
    expect(expectOneLineError(stderr)).toBe('mqkit: Nonexistent flag: --nope (see mqkit consume --help)')
  })

  it('an unknown command is exit 2, one mqkit line with the nearest command', async () => {
    const typo = await runCli(['publsh', 'x'])
    expect(typo.code).toBe(2)
    expect(expectOneLineError(typo.stderr)).toBe('mqkit: unknown command "publsh"; did you mean "mqkit publish"? (see mqkit --help)')
    const unknown = await runCli(['frobnicate'])
    expect(unknown.code).toBe(2)
    expect(expectOneLineError(unknown.stderr)).toBe('mqkit: unknown command "frobnicate" (see mqkit --help)')
  })

  it('mqkit help [COMMAND] and mqkit version are --help and --version', async () => {
    const help = await runCli(['help'])
    expect(help.code, help.stderr).toBe(0)
    for (const command of COMMANDS) expect(help.stdout).toMatch(new RegExp(`^\\s+${command}\\s`, 'm'))
    const publishHelp = await runCli(['help', 'publish'])
    expect(publishHelp.code, publishHelp.stderr).toBe(0)
    expect(publishHelp.stdout).toBe((await runCli(['publish', '--help'])).stdout)
    const version = await runCli(['version'])
    expect(version.code, version.stderr).toBe(0)
    expect(version.stdout).toMatch(/^mqkit\/\d+\.\d+\.\d+ /)
    expect(version.stdout).toBe((await runCli(['--version'])).stdout)
  })

  it.each([
    ['publish', 'q', 'x'],
    ['consume', 'q'],
  ])('%s --key-delimiter with an unknown escape is exit 2 naming it', async (...args) => {
    const {code, stderr} = await runCli([...args, '--key-delimiter', '\\q', '--url', 'memory://'])
    expect(code).toBe(2)
    expect(expectOneLineError(stderr)).toContain('--key-delimiter: unknown escape "\\q"')
  })
})

describe.concurrent('memory:// within one process', () => {
  it('publish to a missing queue is exit 5', async () => {
    const {code, stderr} = await runCli(['publish', 'nope', 'hello', '--url', 'memory://'])
    expect(code).toBe(5)
    expect(expectOneLineError(stderr)).toContain('nope')
  })

  it('declare works and --json is exactly the result document', async () => {
    const {code, stdout, stderr} = await runCli(['declare', 'orders', '--url', 'memory://', '--ttl', '5s', '--max-priority', '9', '--json'])
    expect(code, stderr).toBe(0)
    expect(JSON.parse(stdout)).toEqual({kind: 'queue', name: 'orders', created: true, bindings: []})
  })

  it('declare prints "created" as text', async () => {
    const {code, stdout} = await runCli(['declare', 'orders', '--url', 'memory://'])
    expect(code).toBe(0)
    expect(stdout.trim()).toBe('created queue orders')
  })

  it('exchanges are refused with exit 7 (memory has none)', async () => {
    const {code, stderr} = await runCli(['declare', 'logs', '--url', 'memory://', '--exchange-type', 'topic'])
    expect(code).toBe(7)
    expectOneLineError(stderr)
  })

  it('delete of a missing queue is exit 5, or success with --if-exists', async () => {
    expect((await runCli(['delete', 'nope', '--url', 'memory://'])).code).toBe(5)
    const {code, stdout} = await runCli(['delete', 'nope', '--url', 'memory://', '--if-exists', '--json'])
    expect(code).toBe(0)
    expect(JSON.parse(stdout)).toEqual({kind: 'queue', name: 'nope', deleted: false})
  })

  it('inspect --json parses and names its source', async () => {
    const {code, stdout} = await runCli(['inspect', '--url', 'memory://', '--json'])
    expect(code).toBe(0)
    const result = JSON.parse(stdout)
    expect(result.queues).toEqual([])
    expect(typeof result.source).toBe('string')
    expect(typeof result.atMs).toBe('number')
  })
})
