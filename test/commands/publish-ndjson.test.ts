// `consume --json | publish --input ndjson` through the real CLI: messages move between queues and
// backends with their bytes (a binary body included), headers and properties; bad records stop
// the run with one line naming the line and field.
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {parseRecordLine} from '../../src/core/ndjson-input.js'
import {UsageError} from '../../src/errors.js'
import {AMQP_URL, amqpAvailable, uniqueName} from '../helpers/brokers.js'
import {runCli} from '../helpers/cli.js'

const folder = mkdtempSync(path.join(os.tmpdir(), 'mqkit-ndjson-'))
afterAll(() => rmSync(folder, {recursive: true, force: true}))
const fileUrl = `file:${path.join(folder, 'queues.db')}`
const amqpEnabled = await amqpAvailable()

/** The message part of a consume --json record: what must survive a move. */
function messageOf(record: Record<string, unknown>): Record<string, unknown> {
  const {queue: _q, key: _k, redelivered: _r, deliveryCount: _d, timestampMs: _t, partition: _p, offset: _o, ...message} = record
  return message
}

const records = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>)

// A body that is not UTF-8, with a NUL, CR and LF in it: must arrive byte for byte.
const BINARY = Buffer.from([0x00, 0xff, 0xfe, 0x0d, 0x0a, 0x41, 0xc3])

describe.concurrent('publish --input ndjson', () => {
  it('reads back what consume --json wrote; refuses what is not a record, naming the line', () => {
    const line = (value: unknown) => Buffer.from(JSON.stringify(value))
    expect(
      parseRecordLine(
        line({
          queue: 'q',
          key: null,
          headers: {a: '1'},
          redelivered: true,
          deliveryCount: 2,
          timestampMs: 5,
          offset: '7',
          priority: 4,
          messageId: 'm',
          body: 'héllo',
        }),
        'stdin line 1',
      ),
    ).toEqual({
      body: Buffer.from('héllo'),
      record: {where: 'stdin line 1', queue: 'q', headers: {a: '1'}, priority: 4, messageId: 'm'},
    })
    expect(parseRecordLine(line({key: 'k', headers: {}, bodyBase64: BINARY.toString('base64')}), 'x')).toEqual({body: BINARY, key: 'k', record: {where: 'x'}})
    expect(parseRecordLine(Buffer.from('  '), 'x')).toBeUndefined()
    const refusals: Array<[string, RegExp]> = [
      ['not json', /^stdin line 3 is not JSON/],
      ['[1]', /is not a JSON object/],
      ['{"headers":{}}', /has no "body" or "bodyBase64"/],
      ['{"body":"a","bodyBase64":"YQ=="}', /has both "body" and "bodyBase64"/],
      ['{"bodyBase64":"not base64!"}', /"bodyBase64" must be base64 text, got "not base64!"/],
      ['{"body":"a","headers":{"n":1}}', /"headers" must be an object of string values/],
      ['{"body":"a","priority":300}', /"priority" must be a whole number from 0 to 255, got 300/],
      [
        '{"error":{"code":"CONNECTION","message":"connection lost","exitCode":3}}',
        /is the error the command that wrote the input ended with, not a message \("connection lost"\)/,
      ],
    ]
    for (const [text, message] of refusals) {
      expect(() => parseRecordLine(Buffer.from(text), 'stdin line 3')).toThrow(UsageError)
      expect(() => parseRecordLine(Buffer.from(text), 'stdin line 3')).toThrow(message)
    }
  })

  it('file: → file:, then a bad line: what came before is published, exit 2 naming the line', async () => {
    const source = uniqueName('nd-src')
    const target = uniqueName('nd-dst')
    for (const q of [source, target]) expect((await runCli(['declare', q, '--url', fileUrl])).code).toBe(0)
    const payload = path.join(folder, 'binary.bin')
    writeFileSync(payload, BINARY)
    expect(
      (await runCli(['publish', source, '--url', fileUrl, '--file', payload, '--input', 'whole', '--key', 'k1', '--header', 'h=1', '--correlation-id', 'c1']))
        .code,
    ).toBe(0)
    expect((await runCli(['publish', source, 'plain', '--url', fileUrl, '--priority', '2', '--content-type', 'text/plain'])).code).toBe(0)
    const consumed = await runCli(['consume', source, '--url', fileUrl, '--count', '2', '--json'])
    expect(consumed.code, consumed.stderr).toBe(0)
    const moved = await runCli(['publish', target, '--url', fileUrl, '--input', 'ndjson', '--json'], {input: consumed.stdout})
    expect(moved.code, moved.stderr).toBe(0)
    expect(JSON.parse(moved.stdout)).toMatchObject({confirmed: 2})
    const arrived = await runCli(['consume', target, '--url', fileUrl, '--count', '2', '--json'])
    expect(records(arrived.stdout).map(messageOf)).toEqual(records(consumed.stdout).map(messageOf))
    expect(records(arrived.stdout).map((r) => r.key)).toEqual(['k1', null])
    expect(Buffer.from(records(arrived.stdout)[0].bodyBase64 as string, 'base64').equals(BINARY)).toBe(true)

    const bad = await runCli(['publish', target, '--url', fileUrl, '--input', 'ndjson'], {
      input: `{"body":"one"}\n\n{"body":"two"}\n{"body":2}\n{"body":"never"}\n`,
    })
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('published to')
    expect(bad.stderr).toContain(': 2 confirmed')
    expect(bad.stderr).toContain('mqkit: stdin line 4: "body" must be a string, got 2')
    const left = await runCli(['consume', target, '--url', fileUrl, '--idle-timeout', '300ms'])
    expect(left.stdout).toBe('one\ntwo\n')

    const args = await runCli(['publish', target, 'x', '--url', fileUrl, '--input', 'ndjson'])
    expect(args.code).toBe(2)
    expect(args.stderr).toContain('--input ndjson reads records from --file or stdin, not MESSAGE arguments')
  })

  it.skipIf(!amqpEnabled)('file: → amqp:// and back: bytes exact, headers and properties kept', async () => {
    const source = uniqueName('nd-file')
    const target = uniqueName('nd-amqp')
    const back = uniqueName('nd-back')
    const amqp = (args: string[], input?: string) => runCli([...args, '--url', AMQP_URL], {input, timeoutMs: 30_000})
    try {
      for (const q of [source, back]) expect((await runCli(['declare', q, '--url', fileUrl])).code).toBe(0)
      expect((await amqp(['declare', target, '--max-priority', '9'])).code).toBe(0)
      const payload = path.join(folder, 'binary-amqp.bin')
      writeFileSync(payload, BINARY)
      const flags = [
        '--header',
        'trace=abc',
        '--header',
        'n=1',
        '--priority',
        '7',
        '--message-id',
        'id-1',
        '--correlation-id',
        'c-1',
        '--content-type',
        'application/octet-stream',
      ]
      expect((await runCli(['publish', source, '--url', fileUrl, '--file', payload, '--input', 'whole', ...flags])).code).toBe(0)
      expect((await runCli(['publish', source, 'text body', '--url', fileUrl, '--header', 'only=this'])).code).toBe(0)
      const fromFile = await runCli(['consume', source, '--url', fileUrl, '--count', '2', '--json'])
      expect(fromFile.code, fromFile.stderr).toBe(0)

      const toAmqp = await amqp(['publish', target, '--input', 'ndjson'], fromFile.stdout)
      expect(toAmqp.code, toAmqp.stderr).toBe(0)
      const fromAmqp = await amqp(['consume', target, '--count', '2', '--json'])
      expect(fromAmqp.code, fromAmqp.stderr).toBe(0)
      expect(records(fromAmqp.stdout).map(messageOf)).toEqual(records(fromFile.stdout).map(messageOf))
      expect(Buffer.from(records(fromAmqp.stdout)[0].bodyBase64 as string, 'base64').equals(BINARY)).toBe(true)

      // Back to the local store: RabbitMQ's key (the routing key, its queue's name) is the only change.
      const toFile = await runCli(['publish', back, '--url', fileUrl, '--input', 'ndjson'], {input: fromAmqp.stdout})
      expect(toFile.code, toFile.stderr).toBe(0)
      const returned = await runCli(['consume', back, '--url', fileUrl, '--count', '2', '--json'])
      expect(records(returned.stdout).map(messageOf)).toEqual(records(fromFile.stdout).map(messageOf))

      // A key of its own cannot be kept straight to a RabbitMQ queue: refused before it is sent.
      const keyed = await amqp(['publish', target, '--input', 'ndjson'], '{"key":"user-7","body":"x"}\n')
      expect(keyed.code).toBe(7)
      expect(keyed.stderr).toContain('stdin line 1: key "user-7" cannot be kept')
    } finally {
      await amqp(['delete', target, '--if-exists'])
    }
  })
})
