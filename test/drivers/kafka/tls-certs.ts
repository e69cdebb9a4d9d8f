// Throwaway TLS material for a private Kafka broker's SSL listeners, made with the openssl CLI in
// a directory the caller owns (and removes): a CA, a broker certificate signed by it (SAN
// IP:127.0.0.1 and DNS:localhost), a client certificate for mutual TLS, and a second, unrelated
// CA for the "wrong CA" case. Certificates are valid for two days; keys are RSA 2048.
import {execFile} from 'node:child_process'
import {readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'

export interface TlsFiles {
  readonly dir: string
  /** The CA that signed the broker and client certificates (PEM). */
  readonly caFile: string
  /** A CA that signed nothing here: trusting only it must fail verification. */
  readonly otherCaFile: string
  /** The broker's keystore in Kafka's PEM form: encrypted PKCS#8 key, then the certificate chain. */
  readonly brokerKeystoreFile: string
  /** The password of that key (ssl.key.password). */
  readonly brokerKeyPassword: string
  readonly clientCertFile: string
  /** The client's key, unencrypted PKCS#8 (what ?keyfile= reads). */
  readonly clientKeyFile: string
  /** The same key encrypted (PKCS#8, AES-256-CBC), for ?keyfile=&passphrase=. */
  readonly clientKeyEncryptedFile: string
  readonly clientKeyPassphrase: string
}

const OPENSSL_TIMEOUT_MS = 30_000

function openssl(args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('openssl', args, {cwd, timeout: OPENSSL_TIMEOUT_MS}, (error, _stdout, stderr) => {
      if (error) reject(new Error(`openssl ${args.join(' ')} failed: ${error.message}\n${stderr}`))
      else resolve()
    })
  })
}

async function selfSignedCa(dir: string, name: string, commonName: string): Promise<void> {
  await openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      `${name}-key.pem`,
      '-out',
      `${name}.pem`,
      '-days',
      '2',
      '-subj',
      `/CN=${commonName}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    dir,
  )
}

/** A key and a certificate signed by ca.pem, with the given X.509 v3 extensions. */
async function signedLeaf(dir: string, name: string, commonName: string, extensions: string): Promise<void> {
  await openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}-key.pem`, '-out', `${name}.csr`, '-subj', `/CN=${commonName}`], dir)
  writeFileSync(path.join(dir, `${name}.ext`), extensions)
  await openssl(
    [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca-key.pem',
      '-CAcreateserial',
      '-out',
      `${name}.pem`,
      '-days',
      '2',
      '-sha256',
      '-extfile',
      `${name}.ext`,
    ],
    dir,
  )
}

export async function makeTlsFiles(dir: string): Promise<TlsFiles> {
  await Promise.all([selfSignedCa(dir, 'ca', 'mqkit test CA'), selfSignedCa(dir, 'other-ca', 'mqkit unrelated CA')])
  await signedLeaf(
    dir,
    'broker',
    'localhost',
    'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n',
  )
  await signedLeaf(
    dir,
    'client',
    'mqkit-test-client',
    'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n',
  )
  // Kafka reads a PEM keystore FILE only with ssl.key.password set, and then expects the key as
  // encrypted PKCS#8 (an unencrypted key is accepted only inline, in ssl.keystore.key).
  const brokerKeyPassword = 'mqkit-test-keypass'
  // Java 17 has no PBES2 SecretKeyFactory ("PBES2 SecretKeyFactory not available"): PBES1 3DES
  // is what it can read. A throwaway test key, so the old cipher does not matter.
  await openssl(
    ['pkcs8', '-topk8', '-in', 'broker-key.pem', '-out', 'broker-key.enc.pem', '-v1', 'PBE-SHA1-3DES', '-passout', `pass:${brokerKeyPassword}`],
    dir,
  )
  const clientKeyPassphrase = 'mqkit-client-Passphrase'
  await openssl(
    ['pkcs8', '-topk8', '-in', 'client-key.pem', '-out', 'client-key.enc.pem', '-v2', 'aes-256-cbc', '-passout', `pass:${clientKeyPassphrase}`],
    dir,
  )
  const read = (name: string) => readFileSync(path.join(dir, name), 'utf8')
  const brokerKeystoreFile = path.join(dir, 'broker-keystore.pem')
  writeFileSync(brokerKeystoreFile, read('broker-key.enc.pem') + read('broker.pem') + read('ca.pem'))
  return {
    dir,
    caFile: path.join(dir, 'ca.pem'),
    otherCaFile: path.join(dir, 'other-ca.pem'),
    brokerKeystoreFile,
    brokerKeyPassword,
    clientCertFile: path.join(dir, 'client.pem'),
    clientKeyFile: path.join(dir, 'client-key.pem'),
    clientKeyEncryptedFile: path.join(dir, 'client-key.enc.pem'),
    clientKeyPassphrase,
  }
}
