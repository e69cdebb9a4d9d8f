// TLS for amqps:// tests: the shared RabbitMQ has no TLS listener, so a TLS-terminating proxy
// (node:tls on an ephemeral port, piping to 127.0.0.1:5672) stands in for one, with a CA, a
// server certificate (SAN IP:127.0.0.1, DNS:localhost) and client certificates made by openssl
// in a temporary directory.
import {execFileSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import tls from 'node:tls'

export interface Pki {
  dir: string
  /** The CA that signed the server and client certificates. */
  caFile: string
  /** A CA that signed nothing here. */
  otherCaFile: string
  serverCert: string
  serverKey: string
  clientCert: string
  /** The client key, encrypted with `clientKeyPassphrase`. */
  clientKey: string
  clientKeyPassphrase: string
  cleanup(): void
}

function openssl(dir: string, ...args: string[]): void {
  execFileSync('openssl', args, {cwd: dir, stdio: ['ignore', 'ignore', 'pipe']})
}

function makeCa(dir: string, name: string): void {
  openssl(
    dir,
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.pem`,
    '-days',
    '2',
    '-subj',
    `/CN=mqkit test ${name}`,
  )
}

function signed(dir: string, name: string, ca: string, subject: string, extensions: string, keyArgs: string[] = ['-nodes']): void {
  openssl(dir, 'req', '-newkey', 'rsa:2048', ...keyArgs, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject)
  writeFileSync(path.join(dir, `${name}.ext`), extensions)
  openssl(
    dir,
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${ca}.pem`,
    '-CAkey',
    `${ca}.key`,
    '-CAcreateserial',
    '-out',
    `${name}.pem`,
    '-days',
    '2',
    '-extfile',
    `${name}.ext`,
  )
}

export function makePki(): Pki {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mqkit-tls-'))
  const passphrase = 'tls-key-s3cret'
  makeCa(dir, 'ca')
  makeCa(dir, 'other-ca')
  signed(dir, 'server', 'ca', '/CN=localhost', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n')
  signed(dir, 'client', 'ca', '/CN=mqkit-client', 'extendedKeyUsage=clientAuth\n', ['-passout', `pass:${passphrase}`])
  const file = (name: string) => path.join(dir, name)
  return {
    dir,
    caFile: file('ca.pem'),
    otherCaFile: file('other-ca.pem'),
    serverCert: file('server.pem'),
    serverKey: file('server.key'),
    clientCert: file('client.pem'),
    clientKey: file('client.key'),
    clientKeyPassphrase: passphrase,
    cleanup: () => rmSync(dir, {recursive: true, force: true}),
  }
}

export interface TlsProxy {
  port: number
  /** Connections whose TLS handshake succeeded. */
  readonly accepted: number
  close(): Promise<void>
}

/** TLS in front of `target` (127.0.0.1:5672). With requireClientCert, only certificates signed by the PKI's CA get through. */
export function startTlsProxy(pki: Pki, options: {requireClientCert?: boolean; targetPort?: number; host?: string} = {}): Promise<TlsProxy> {
  const sockets = new Set<net.Socket>()
  let accepted = 0
  const server = tls.createServer(
    {
      key: readFileSync(pki.serverKey),
      cert: readFileSync(pki.serverCert),
      requestCert: options.requireClientCert ?? false,
      rejectUnauthorized: options.requireClientCert ?? false,
      ca: options.requireClientCert ? [readFileSync(pki.caFile)] : undefined,
    },
    (client) => {
      accepted++
      const upstream = net.connect({host: '127.0.0.1', port: options.targetPort ?? 5672})
      for (const socket of [client, upstream]) {
        sockets.add(socket)
        socket.on('close', () => sockets.delete(socket))
      }
      client.pipe(upstream).pipe(client)
      client.on('error', () => upstream.destroy())
      upstream.on('error', () => client.destroy())
      client.on('close', () => upstream.destroy())
      upstream.on('close', () => client.destroy())
    },
  )
  // Failed handshakes (the cases under test) are not the proxy's problem.
  server.on('tlsClientError', () => {})
  return new Promise((resolve) => {
    server.listen(0, options.host ?? '127.0.0.1', () => {
      resolve({
        port: (server.address() as net.AddressInfo).port,
        get accepted() {
          return accepted
        },
        close: () =>
          new Promise<void>((done) => {
            for (const socket of sockets) socket.destroy()
            server.close(() => done())
          }),
      })
    })
  })
}
