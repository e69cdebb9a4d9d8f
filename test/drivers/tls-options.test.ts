// The URL's TLS files, checked before connecting (src/drivers/tls-options.ts, for amqps:// and
// kafka://). The broker-facing cases are in test/drivers/amqp/tls.test.ts and test/drivers/kafka/ssl.test.ts.
import {execFileSync} from 'node:child_process'
import {generateKeyPairSync} from 'node:crypto'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {createSecureContext} from 'node:tls'
import {afterAll, describe, expect, it} from 'vitest'
import {tlsFileOptions} from '../../src/drivers/tls-options.js'

const folder = mkdtempSync(path.join(os.tmpdir(), 'mqkit-tls-options-'))
afterAll(() => rmSync(folder, {recursive: true, force: true}))

describe('TLS files in the URL', () => {
  it('names a wrong passphrase as such even when OpenSSL calls it "unsupported" (about 1 wrong passphrase in 350)', () => {
    const {privateKey} = generateKeyPairSync('ec', {
      namedCurve: 'prime256v1',
      privateKeyEncoding: {type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'right'},
      publicKeyEncoding: {type: 'spki', format: 'pem'},
    })
    // A wrong passphrase whose garbage passes the padding check: OpenSSL then fails in its decoders.
    let unlucky: string | undefined
    for (let i = 0; i < 20_000 && unlucky === undefined; i++) {
      try {
        createSecureContext({key: privateKey, passphrase: `wrong-${i}`})
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ERR_OSSL_UNSUPPORTED') unlucky = `wrong-${i}`
      }
    }
    expect(unlucky).toBeDefined()
    const keyFile = path.join(folder, 'key.pem')
    writeFileSync(keyFile, privateKey)
    const certFile = path.join(folder, 'cert.pem')
    execFileSync('openssl', ['req', '-x509', '-key', keyFile, '-passin', 'pass:right', '-subj', '/CN=mqkit-test', '-days', '1', '-out', certFile], {
      stdio: 'ignore',
    })
    expect(tlsFileOptions(new URLSearchParams({keyfile: keyFile, certfile: certFile, passphrase: 'right'}))).toMatchObject({passphrase: 'right'})
    for (const passphrase of ['wrong-plain', unlucky!]) {
      const query = new URLSearchParams({keyfile: keyFile, certfile: certFile, passphrase})
      expect(() => tlsFileOptions(query)).toThrow(`--url ?keyfile: cannot decrypt "${keyFile}": wrong or missing ?passphrase (the key is encrypted)`)
    }
  })
})
