// amqps:// through the real CLI: a TLS-terminating proxy in front of the shared RabbitMQ
// (tls-proxy.ts) with certificates made for the test. Verification with ?cafile, client
// certificates with ?certfile/?keyfile/?passphrase, ?insecure. A file or passphrase that cannot
// work is exit 2 before connecting (src/drivers/tls-options.ts, shared with kafka://); what only
// the handshake shows is exit 3. Each is one line naming the problem, never the passphrase.
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {AMQP_URL, amqpAvailable, managementAddress, uniqueName} from '../../helpers/brokers.js'
import {runCli} from '../../helpers/cli.js'
import {createdNames} from './helpers.js'
import {makePki, startTlsProxy, type Pki, type TlsProxy} from './tls-proxy.js'

const available = await amqpAvailable()

/** One `mqkit:` line on stderr, no stack trace. */
function oneLine(stderr: string): string {
  const lines = stderr.split('\n').filter((line) => line.startsWith('mqkit:'))
  expect(lines, stderr).toHaveLength(1)
  expect(stderr).not.toMatch(/^\s+at /m)
  return lines[0]
}

describe.skipIf(!available)('amqps:// through a TLS proxy', () => {
  let pki: Pki
  let proxy: TlsProxy
  let mutual: TlsProxy
  const names = createdNames()
  beforeAll(async () => {
    pki = makePki()
    proxy = await startTlsProxy(pki)
    mutual = await startTlsProxy(pki, {requireClientCert: true})
  })
  afterAll(async () => {
    await proxy?.close()
    await mutual?.close()
    pki?.cleanup()
    await names.cleanup()
  })

  const cli = (args: string[], url: string, input?: string) => runCli([...args, '--url', url, '--connect-timeout', '5s'], {input, timeoutMs: 30_000})

  /** declare, publish one message, consume it back: all over `url`. */
  async function roundTrip(url: string, body: string) {
    const queue = names.queue('tls')
    const declared = await cli(['declare', queue], url)
    expect(declared.code, declared.stderr).toBe(0)
    const published = await cli(['publish', queue, body], url)
    expect(published.code, published.stderr).toBe(0)
    const consumed = await cli(['consume', queue, '--count', '1'], url)
    expect(consumed.code, consumed.stderr).toBe(0)
    expect(consumed.stdout).toBe(`${body}\n`)
  }

  it('verifies the broker with ?cafile and round-trips a message (by IP and by host name)', async () => {
    const before = proxy.accepted
    await roundTrip(`amqps://guest:guest@127.0.0.1:${proxy.port}?cafile=${pki.caFile}`, 'over tls by ip')
    await roundTrip(`amqps://guest:guest@localhost:${proxy.port}?cafile=${pki.caFile}`, 'over tls by name')
    expect(proxy.accepted - before).toBeGreaterThanOrEqual(6) // every command went through TLS
  })

  it('a broker requiring client certificates: works with ?certfile&keyfile&passphrase, refuses without', async () => {
    const base = `amqps://guest:guest@127.0.0.1:${mutual.port}?cafile=${pki.caFile}`
    await roundTrip(`${base}&certfile=${pki.clientCert}&keyfile=${pki.clientKey}&passphrase=${pki.clientKeyPassphrase}`, 'mutual tls')

    const without = await cli(['publish', uniqueName('never'), 'x'], base)
    expect(without.code).toBe(3)
    expect(oneLine(without.stderr)).toMatch(/requires a client certificate.*\?certfile= and \?keyfile=/)
  })

  it('on success the password and the key passphrase are never printed: bench --json meta.url, --html, progress, inspect', async () => {
    const secrets = ['guest:guest@', pki.clientKeyPassphrase]
    // The management API given with its own credentials, so inspect prints a URL made from them
    // (the global setup enables the API; under CI it must answer).
    const api = managementAddress(AMQP_URL)!
    const mgmt = `&mgmt=http://guest:guest@${api.host}:${api.port}`
    const url = `amqps://guest:guest@127.0.0.1:${mutual.port}?cafile=${pki.caFile}&certfile=${pki.clientCert}&keyfile=${pki.clientKey}&passphrase=${pki.clientKeyPassphrase}${mgmt}`
    const shown = `amqps://guest:***@127.0.0.1:${mutual.port}?cafile=${pki.caFile}&certfile=${pki.clientCert}&keyfile=${pki.clientKey}&passphrase=***${mgmt.replace('guest:guest@', 'guest:***@')}`
    const queue = names.queue('redact')
    const html = path.join(pki.dir, 'run.html')
    const [json, withHtml] = await Promise.all([
      cli(['bench', '--count', '200', '--queue', queue, '--json'], url),
      // Progress lines (--interval) and the tables on stdout, the HTML report in its file.
      cli(['bench', '--count', '200', '--queue', `${queue}-html`, '--html', html, '--interval', '100ms'], url),
    ])
    expect(json.code, json.stderr).toBe(0)
    expect(JSON.parse(json.stdout).meta.url).toBe(shown)
    expect(withHtml.code, withHtml.stderr).toBe(0)
    expect(withHtml.stderr).toContain(shown) // the run's first line names the broker
    expect(readFileSync(html, 'utf8')).toContain(`amqps://guest:***@127.0.0.1:${mutual.port}`)
    await cli(['declare', queue], url)
    const [table, inspected] = await Promise.all([cli(['inspect', queue], url), cli(['inspect', queue, '--json'], url)])
    expect(table.code, table.stderr).toBe(0)
    expect(inspected.code, inspected.stderr).toBe(0)
    expect(table.stdout).toContain(`source: passive declare + management API ${api.baseUrl}`)
    for (const output of [
      json.stdout,
      json.stderr,
      withHtml.stdout,
      withHtml.stderr,
      readFileSync(html, 'utf8'),
      table.stdout,
      table.stderr,
      inspected.stdout,
      inspected.stderr,
    ]) {
      for (const secret of secrets) expect(output).not.toContain(secret)
    }
    await cli(['delete', `${queue}-html`, '--if-exists'], url)
  })

  it('a wrong passphrase is named as such and never printed (a usage error, found before connecting)', async () => {
    const url = `amqps://guest:guest@127.0.0.1:${mutual.port}?cafile=${pki.caFile}&certfile=${pki.clientCert}&keyfile=${pki.clientKey}&passphrase=Wr0ng-s3cret-PASS`
    const result = await cli(['inspect', 'anything'], url)
    expect(result.code).toBe(2)
    expect(oneLine(result.stderr)).toMatch(/\?keyfile: cannot decrypt .*wrong or missing \?passphrase/)
    expect(result.stderr + result.stdout).not.toContain('Wr0ng-s3cret-PASS')
    expect(result.stderr + result.stdout).not.toContain(pki.clientKeyPassphrase)
  })

  it('unreadable or unusable files are usage errors naming the option, before any connection', async () => {
    const base = `amqps://guest:guest@127.0.0.1:${proxy.port}`
    const cases: Array<[string, RegExp]> = [
      [`${base}?cafile=/nonexistent/ca.pem`, /^mqkit: --url \?cafile: cannot read "\/nonexistent\/ca\.pem": ENOENT$/],
      [`${base}?cafile=${pki.clientKey}`, /^mqkit: --url \?cafile: .* holds no PEM certificate/],
      [`${base}?cafile=${pki.caFile}&certfile=${pki.clientCert}`, /^mqkit: --url \?certfile and \?keyfile must be given together$/],
      [`${base}?insecure=maybe`, /^mqkit: --url \?insecure must be true or false, got "maybe"$/],
    ]
    for (const [url, message] of cases) {
      const result = await cli(['inspect', 'anything'], url)
      expect({url, code: result.code}).toEqual({url, code: 2})
      expect(oneLine(result.stderr)).toMatch(message)
    }
  })

  it('a CA that did not sign the broker certificate: exit 3, one line naming the certificate problem', async () => {
    const result = await cli(['publish', uniqueName('never'), 'x'], `amqps://guest:guest@127.0.0.1:${proxy.port}?cafile=${pki.otherCaFile}`)
    expect(result.code).toBe(3)
    expect(oneLine(result.stderr)).toMatch(
      /^mqkit: cannot connect to 127\.0\.0\.1:\d+: TLS: the broker's certificate could not be verified: .*certificate.*\?cafile=/,
    )
  })

  it('no CA at all is the same failure; ?insecure=true skips verification', async () => {
    const refused = await cli(['publish', uniqueName('never'), 'x'], `amqps://guest:guest@127.0.0.1:${proxy.port}`)
    expect(refused.code).toBe(3)
    expect(oneLine(refused.stderr)).toMatch(/certificate could not be verified/)
    await roundTrip(`amqps://guest:guest@127.0.0.1:${proxy.port}?insecure=true`, 'unverified')
  })

  it('a certificate for another host name is refused with that reason', async () => {
    // 127.0.0.2 is loopback too, but not in the certificate's names (127.0.0.1, localhost).
    const elsewhere = await startTlsProxy(pki, {host: '127.0.0.2'})
    try {
      const result = await cli(['publish', uniqueName('never'), 'x'], `amqps://guest:guest@127.0.0.2:${elsewhere.port}?cafile=${pki.caFile}`)
      expect(result.code).toBe(3)
      expect(oneLine(result.stderr)).toMatch(/certificate is not for this host name/)
    } finally {
      await elsewhere.close()
    }
  })

  it('amqps:// to a plain AMQP port says the port does not speak TLS', async () => {
    const result = await cli(['publish', uniqueName('never'), 'x'], 'amqps://guest:guest@127.0.0.1:5672?insecure=true')
    expect(result.code).toBe(3)
    expect(oneLine(result.stderr)).toMatch(/does not speak TLS.*amqp:\/\//)
  })
})
