// kafka:// over TLS through the real CLI, against a PRIVATE broker started by scripts/kafka.sh
// with two SSL client listeners (KAFKA_SSL_PORT: server certificate only; KAFKA_MTLS_PORT:
// ssl.client.auth=required) and certificates made with openssl for this run (tls-certs.ts).
// Verification with ?cafile, client certificates with ?certfile/?keyfile(/?passphrase),
// ?insecure; each failure is exit 3 (or 2 for a bad file) with one line naming the problem,
// and fails well before the connect timeout. The shared broker on 9092 is never touched.
import net from 'node:net'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {kafkaAvailable, uniqueName} from '../../helpers/brokers.js'
import {runCli, type CliResult} from '../../helpers/cli.js'
import {CLIENTS, withClient} from './helpers.js'
import {privateKafka, type PrivateKafka} from './private-broker.js'
import type {TlsFiles} from './tls-certs.js'

const available = await kafkaAvailable() // the shared broker's jars are what the private one runs on

/** Failures must come from the handshake, not from this deadline. */
const CONNECT_TIMEOUT_MS = 15_000

/** The one `mqkit:` line on stderr (no stack trace, nothing else). */
function oneLine(result: CliResult): string {
  const lines = result.stderr.split('\n').filter(Boolean)
  expect(lines, result.stderr).toHaveLength(1)
  expect(lines[0]).toMatch(/^mqkit: /)
  expect(result.stderr).not.toMatch(/^\s+at /m)
  return lines[0]
}

async function cli(args: string[], url: string, input?: string): Promise<CliResult & {elapsedMs: number}> {
  const started = Date.now()
  const result = await runCli([...args, '--url', url, '--connect-timeout', `${CONNECT_TIMEOUT_MS}ms`], {input, timeoutMs: 60_000})
  return {...result, elapsedMs: Date.now() - started}
}

/** declare (2 partitions), publish three lines, consume them back, delete: all over `url`. */
async function roundTrip(url: string, label: string): Promise<void> {
  const topic = uniqueName(`kafka-ssl-${label}`)
  const declared = await cli(['declare', topic, '--partitions', '2'], url)
  expect(declared.code, declared.stderr).toBe(0)
  try {
    const published = await cli(['publish', topic], url, 'one\ntwo\nthree\n')
    expect(published.code, published.stderr).toBe(0)
    const consumed = await cli(['consume', topic, '--from', 'beginning', '-e'], url)
    expect(consumed.code, consumed.stderr).toBe(0)
    expect(consumed.stdout.split('\n').filter(Boolean).sort()).toEqual(['one', 'three', 'two'])
  } finally {
    const deleted = await cli(['delete', topic], url)
    expect(deleted.code, deleted.stderr).toBe(0)
  }
}

/** A TCP relay from `host` (another loopback address) to the broker's port, raw bytes both ways. */
function relay(host: string, targetPort: number): Promise<{port: number; close(): Promise<void>}> {
  const sockets = new Set<net.Socket>()
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1')
    for (const socket of [client, upstream]) {
      sockets.add(socket)
      socket.on('error', () => {})
      socket.on('close', () => sockets.delete(socket))
    }
    client.pipe(upstream).pipe(client)
    client.on('close', () => upstream.destroy())
    upstream.on('close', () => client.destroy())
  })
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, host, () => {
      const {port} = server.address() as net.AddressInfo
      resolve({
        port,
        close: () =>
          new Promise<void>((done) => {
            for (const socket of sockets) socket.destroy()
            server.close(() => done())
          }),
      })
    })
  })
}

describe.runIf(available)('kafka SSL listeners from scripts/kafka.sh (private broker)', () => {
  let broker: PrivateKafka
  let tls: TlsFiles
  const sslUrl = (query: string, host = '127.0.0.1') => `kafka://${host}:${broker.sslPort}?${query}`
  const mtlsUrl = (query: string) => `kafka://127.0.0.1:${broker.mtlsPort}?${query}`

  beforeAll(async () => {
    broker = await privateKafka({sasl: false, tls: true})
    try {
      await broker.start()
    } catch (error) {
      throw new Error(`${(error as Error).message}\nbroker log:\n${broker.logTail(60)}`)
    }
    tls = broker.tls!
  }, 180_000)
  afterAll(async () => broker?.destroy(), 90_000)

  it('?ssl=true&cafile=: declare, publish and consume over TLS; the certificate also names localhost', async () => {
    await roundTrip(sslUrl(`ssl=true&cafile=${tls.caFile}`), 'ca')
    const byName = await cli(['inspect', '--json'], sslUrl(`ssl=true&cafile=${tls.caFile}`, 'localhost'))
    expect(byName.code, byName.stderr).toBe(0)
    // The metadata came over the TLS listener: it is the one the broker advertises to this client.
    expect((JSON.parse(byName.stdout) as {extras: {brokers: string[]}}).extras.brokers).toEqual([`127.0.0.1:${broker.sslPort}`])
  })

  it.each(CLIENTS)('?client=%s produces over TLS, server-verified and with a client certificate', async (client) => {
    await roundTrip(withClient(sslUrl(`ssl=true&cafile=${tls.caFile}`), client), `ca-${client}`)
    await roundTrip(
      withClient(
        mtlsUrl(`cafile=${tls.caFile}&certfile=${tls.clientCertFile}&keyfile=${tls.clientKeyEncryptedFile}&passphrase=${tls.clientKeyPassphrase}`),
        client,
      ),
      `mtls-${client}`,
    )
  })

  it('client certificate required: works with ?certfile&keyfile (and an encrypted key with ?passphrase)', async () => {
    await roundTrip(mtlsUrl(`cafile=${tls.caFile}&certfile=${tls.clientCertFile}&keyfile=${tls.clientKeyFile}`), 'mtls')
    const encrypted = await cli(
      ['inspect'],
      mtlsUrl(`cafile=${tls.caFile}&certfile=${tls.clientCertFile}&keyfile=${tls.clientKeyEncryptedFile}&passphrase=${tls.clientKeyPassphrase}`),
    )
    expect(encrypted.code, encrypted.stderr).toBe(0)
  })

  it.each([
    ['without a client certificate', () => mtlsUrl(`cafile=${tls.caFile}`)],
    [
      'with a certificate from a CA the broker does not trust',
      () => mtlsUrl(`cafile=${tls.caFile}&certfile=${tls.otherCaFile}&keyfile=${tls.dir}/other-ca-key.pem`),
    ],
  ])('client certificate required, %s: exit 3, one line, before the connect timeout', async (_case, url) => {
    const result = await cli(['inspect'], url())
    expect(result.code).toBe(3)
    expect(oneLine(result)).toMatch(
      /^mqkit: cannot connect to Kafka at 127\.0\.0\.1:\d+: TLS: the broker refused the client certificate.*\((?:sslv3|ssl\/tls) alert [a-z ]+\).*\?certfile=.*keyfile=/,
    )
    expect(result.elapsedMs).toBeLessThan(CONNECT_TIMEOUT_MS)
  })

  it('a CA that did not sign the broker certificate: exit 3, one line naming the certificate problem', async () => {
    const result = await cli(['inspect'], sslUrl(`ssl=true&cafile=${tls.otherCaFile}`))
    expect(result.code).toBe(3)
    expect(oneLine(result)).toMatch(
      /^mqkit: cannot connect to Kafka at 127\.0\.0\.1:\d+: TLS: the broker's certificate could not be verified: self-signed certificate in certificate chain \(SELF_SIGNED_CERT_IN_CHAIN\); .*\?cafile=/,
    )
    expect(result.elapsedMs).toBeLessThan(CONNECT_TIMEOUT_MS)
  })

  it("no ?cafile fails the same way (Node's CAs); ?insecure=true skips verification", async () => {
    const refused = await cli(['inspect'], sslUrl('ssl=true'))
    expect(refused.code).toBe(3)
    expect(oneLine(refused)).toMatch(/certificate could not be verified.*\?insecure=true/)
    await roundTrip(sslUrl('insecure=true'), 'insecure')
  })

  it('a host the certificate does not name: exit 3 with that reason', async () => {
    // 127.0.0.2 is loopback too, but not in the certificate's names (127.0.0.1, localhost).
    const elsewhere = await relay('127.0.0.2', broker.sslPort)
    try {
      const result = await cli(['inspect'], `kafka://127.0.0.2:${elsewhere.port}?cafile=${tls.caFile}`)
      expect(result.code).toBe(3)
      expect(oneLine(result)).toMatch(/TLS: the broker's certificate is not for this host \(.*127\.0\.0\.2.*\)/)
    } finally {
      await elsewhere.close()
    }
  })

  it('TLS and plain listeners mixed up: exit 3, one line with the hint', async () => {
    const plainToTls = await cli(['inspect'], `kafka://127.0.0.1:${broker.sslPort}`)
    expect(plainToTls.code).toBe(3)
    expect(oneLine(plainToTls)).toMatch(/closed the connection at once.*SSL listener add \?ssl=true/)
    const tlsToPlain = await cli(['inspect'], `${broker.url}?ssl=true&cafile=${tls.caFile}`)
    expect(tlsToPlain.code).toBe(3)
    expect(oneLine(tlsToPlain)).toMatch(/TLS: .*(during the TLS handshake|does not speak TLS).*PLAINTEXT.*drop \?ssl=true/)
  })

  it('unusable certificate files are usage errors (exit 2) naming the option, before any connection', async () => {
    const cases: Array<[string, RegExp]> = [
      [`cafile=${tls.clientKeyFile}`, /\?cafile: ".*client-key\.pem" holds no PEM certificate/],
      [`certfile=${tls.clientKeyFile}&keyfile=${tls.clientKeyFile}`, /\?certfile: ".*client-key\.pem" holds no PEM certificate/],
      [`certfile=${tls.clientCertFile}&keyfile=${tls.dir}/broker-key.pem`, /\?keyfile: ".*broker-key\.pem" is not the private key of \?certfile/],
      [
        `certfile=${tls.clientCertFile}&keyfile=${tls.clientKeyEncryptedFile}`,
        /\?keyfile: cannot decrypt ".*client-key\.enc\.pem": wrong or missing \?passphrase/,
      ],
      [`certfile=${tls.clientCertFile}&keyfile=${tls.clientKeyEncryptedFile}&passphrase=Wr0ng-pass`, /wrong or missing \?passphrase/],
    ]
    for (const [query, message] of cases) {
      const result = await cli(['inspect'], mtlsUrl(query))
      expect(result.code, query).toBe(2)
      expect(oneLine(result)).toMatch(message)
      expect(result.stderr).not.toContain('Wr0ng-pass')
    }
  })
})
