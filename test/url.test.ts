// Redaction: a password or a secret query parameter never reaches a terminal, a log line or a
// JSON document. redactUrl is applied to every message, table and document mqkit prints; the
// CLI's success paths are checked end to end in test/amqp/tls.test.ts and test/kafka/sasl.test.ts.
import {describe, expect, it} from 'vitest'
import {parseUrl, redactUrl} from '../src/url.js'

describe('redactUrl', () => {
  it.each([
    ['amqp://guest:s3cret@127.0.0.1:5672/vhost', 'amqp://guest:***@127.0.0.1:5672/vhost'],
    ['amqps://u:p%40ss@h:5671?cafile=/ca.pem&certfile=c.pem&keyfile=k.pem&passphrase=hunter2', 'amqps://u:***@h:5671?cafile=/ca.pem&certfile=c.pem&keyfile=k.pem&passphrase=***'],
    ['kafka://mqkit:mqkit-secret@127.0.0.1:9094,127.0.0.1:9095?sasl=scram-sha-512', 'kafka://mqkit:***@127.0.0.1:9094,127.0.0.1:9095?sasl=scram-sha-512'],
    ['kafka://h:9093?ssl=true&keyfile=k.pem&passphrase=p&clientId=x', 'kafka://h:9093?ssl=true&keyfile=k.pem&passphrase=***&clientId=x'],
    ['amqp://:only-password@h', 'amqp://:***@h'],
    // Unencoded characters in a password (an invalid URL, quoted by the usage error) hide it all.
    ['amqp://u:pa/ss@h', 'amqp://u:***@h'],
    ['amqp://u:pa:ss@h', 'amqp://u:***@h'],
    // Every URL in a longer message, and a URL nested in another's query.
    ['cannot connect amqp://a:one@h1 nor kafka://b:two@h2:9092', 'cannot connect amqp://a:***@h1 nor kafka://b:***@h2:9092'],
    ['amqp://h:5672/v?mgmt=http://admin:three@m:15672', 'amqp://h:5672/v?mgmt=http://admin:***@m:15672'],
    ['amqp://g:four@h?mgmt=http://admin:five@m:15672', 'amqp://g:***@h?mgmt=http://admin:***@m:15672'],
    // Secret query keys in any case and spelling; other parameters untouched.
    ['amqp://h?password=a&pass=b&secret=c&token=d&sasl_password=e&key-passphrase=f&Passphrase=g&heartbeat=5', 'amqp://h?password=***&pass=***&secret=***&token=***&sasl_password=***&key-passphrase=***&Passphrase=***&heartbeat=5'],
    ['file:/tmp/q.db?passphrase=x&lease=2s', 'file:/tmp/q.db?passphrase=***&lease=2s'],
  ])('%s', (text, redacted) => {
    expect(redactUrl(text)).toBe(redacted)
  })

  it('leaves what holds no secret as it was', () => {
    for (const text of ['amqp://guest@h:5672/v', 'kafka://127.0.0.1:9092,127.0.0.1:9093', 'memory://', 'file:./q.db', 'mail me at a@b.c', 'http://h:15672/api/queues/%2F/q', 'amqp://h:5672/v then user@example.com']) {
      expect(redactUrl(text)).toBe(text)
    }
  })

  it('is what parseUrl calls safe to print', () => {
    expect(parseUrl('amqps://u:pw@h:5671?passphrase=pp&cafile=c.pem').redacted).toBe('amqps://u:***@h:5671?passphrase=***&cafile=c.pem')
    // Even the usage error for a URL that does not parse.
    expect(() => parseUrl('amqp://u:pa/ss@127.0.0.1')).toThrow('--url is not a valid URL: "amqp://u:***@127.0.0.1"')
  })
})
