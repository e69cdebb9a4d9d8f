// Redaction: a password or a secret query parameter never reaches a terminal, a log line or a
// JSON document. redactUrl is applied to every message, table and document mqkit prints; the
// CLI's success paths are checked end to end in test/drivers/amqp/tls.test.ts and test/drivers/kafka/sasl.test.ts.
import {describe, expect, it} from 'vitest'
import {parseUrl, redactUrl, redactWholeUrl} from '../src/url.js'

describe('redactUrl', () => {
  it.each([
    ['amqp://guest:s3cret@127.0.0.1:5672/vhost', 'amqp://guest:***@127.0.0.1:5672/vhost'],
    [
      'amqps://u:p%40ss@h:5671?cafile=/ca.pem&certfile=c.pem&keyfile=k.pem&passphrase=hunter2',
      'amqps://u:***@h:5671?cafile=/ca.pem&certfile=c.pem&keyfile=k.pem&passphrase=***',
    ],
    ['kafka://mqkit:mqkit-secret@127.0.0.1:9094,127.0.0.1:9095?sasl=scram-sha-512', 'kafka://mqkit:***@127.0.0.1:9094,127.0.0.1:9095?sasl=scram-sha-512'],
    ['kafka://h:9093?ssl=true&keyfile=k.pem&passphrase=p&clientId=x', 'kafka://h:9093?ssl=true&keyfile=k.pem&passphrase=***&clientId=x'],
    ['amqp://:only-password@h', 'amqp://:***@h'],
    // Unencoded characters in a password (an invalid URL, quoted by the usage error) hide it all.
    ['amqp://u:pa/ss@h', 'amqp://u:***@h'],
    ['amqp://u:pa:ss@h', 'amqp://u:***@h'],
    // The password runs to the last "@": URL parsers take "p@ss" whole, so redaction must too.
    ['kafka://u:p@ss@h:9092', 'kafka://u:***@h:9092'],
    ['amqp://u:p@s/s?x#y@h/v', 'amqp://u:***@h/v'],
    ['amqp://us/er:pw@h', 'amqp://us/er:***@h'],
    // Every URL in a longer message, and a URL nested in another's query.
    ['cannot connect amqp://a:one@h1 nor kafka://b:two@h2:9092', 'cannot connect amqp://a:***@h1 nor kafka://b:***@h2:9092'],
    ['amqp://h:5672/v?mgmt=http://admin:three@m:15672', 'amqp://h:5672/v?mgmt=http://admin:***@m:15672'],
    ['amqp://g:four@h?mgmt=http://admin:five@m:15672', 'amqp://g:***@h?mgmt=http://admin:***@m:15672'],
    // Secret query keys in any case and spelling; other parameters untouched.
    [
      'amqp://h?password=a&pass=b&secret=c&token=d&sasl_password=e&key-passphrase=f&Passphrase=g&heartbeat=5',
      'amqp://h?password=***&pass=***&secret=***&token=***&sasl_password=***&key-passphrase=***&Passphrase=***&heartbeat=5',
    ],
    ['file:/tmp/q.db?passphrase=x&lease=2s', 'file:/tmp/q.db?passphrase=***&lease=2s'],
  ])('%s', (text, redacted) => {
    expect(redactUrl(text)).toBe(redacted)
  })

  it('leaves what holds no secret as it was', () => {
    for (const text of [
      'amqp://guest@h:5672/v',
      'kafka://127.0.0.1:9092,127.0.0.1:9093',
      'memory://',
      'file:./q.db',
      'mail me at a@b.c',
      'http://h:15672/api/queues/%2F/q',
      'amqp://h:5672/v then user@example.com',
    ]) {
      expect(redactUrl(text)).toBe(text)
    }
  })

  it('is what parseUrl calls safe to print', () => {
    expect(parseUrl('amqps://u:pw@h:5671?passphrase=pp&cafile=c.pem').redacted).toBe('amqps://u:***@h:5671?passphrase=***&cafile=c.pem')
    // Even the usage error for a URL that does not parse.
    expect(() => parseUrl('amqp://u:pa/ss@127.0.0.1')).toThrow('--url is not a valid URL: "amqp://u:***@127.0.0.1"')
  })
})

// A password with an unencoded "/", "?", "#" or "@" would have part of it read as a host, port or
// path, and shown as one in later messages ("bad broker address", "connection to host:port"):
// such a URL is refused at once, with the URL redacted and no piece of the password anywhere.
describe('parseUrl with a password that is not percent-encoded', () => {
  const PIECES = ['pw1', 'pw2', '8765', 'pw3']
  it.each([
    'kafka://user:pw1/pw2@127.0.0.1:9092',
    'kafka://user:pw1/pw2@',
    'kafka://user:pw1?pw2@127.0.0.1:9092',
    'kafka://user:pw1#pw2@127.0.0.1:9092',
    'kafka://user:8765/pw3@127.0.0.1:9092',
    'kafka://:pw1/pw2@127.0.0.1:9092',
    'kafka://user:pw1%zzpw2@127.0.0.1:9092',
    'amqp://user:pw1/pw2@127.0.0.1:5672',
    'amqp://user:8765/pw3@127.0.0.1:5672/vhost',
    'amqp://user:pw1?pw2@127.0.0.1:5672',
    'amqps://user:pw1#pw2@127.0.0.1:5671',
    'amqp://user:pw1%zzpw2@127.0.0.1:5672',
  ])('%s is a usage error showing none of it', (url) => {
    let message = ''
    try {
      parseUrl(url)
    } catch (error) {
      message = (error as Error).message
    }
    expect(message).toMatch(/^--url is not a valid URL: ".*:\*\*\*@.*"; .*(percent-encode|percent-encoding)/)
    for (const piece of PIECES) expect(message).not.toContain(piece)
  })

  it('accepts the same passwords percent-encoded, and "@" in the password', () => {
    expect(parseUrl('kafka://user:pw1%2Fpw2@127.0.0.1:9092').url?.password).toBe('pw1%2Fpw2')
    expect(parseUrl('amqp://user:pw1%3Fpw2%23@127.0.0.1:5672/v%40h').url?.password).toBe('pw1%3Fpw2%23')
    const kafka = parseUrl('kafka://user:p@ss@127.0.0.1:9092,127.0.0.1:9093')
    expect(kafka.hosts).toEqual(['127.0.0.1:9092', '127.0.0.1:9093'])
    expect(kafka.url?.password).toBe('p%40ss')
    expect(kafka.redacted).toBe('kafka://user:***@127.0.0.1:9092,127.0.0.1:9093')
    // No password, so nothing to misread: an "@" in the path stays allowed.
    expect(parseUrl('amqp://h/v@h').path).toBe('v@h')
  })

  it('a --url value is one URL: a space does not end its password or a secret', () => {
    expect(parseUrl('amqp://user:pw1 pw2@127.0.0.1:5672').redacted).toBe('amqp://user:***@127.0.0.1:5672')
    expect(redactWholeUrl('amqps://h?passphrase=pw1 pw2&cafile=c.pem')).toBe('amqps://h?passphrase=***&cafile=c.pem')
  })
})
