// TLS options in a URL's query → node:tls options: ?cafile=&certfile=&keyfile=&passphrase=
// &insecure=true, for amqps:// (TLS by scheme) and kafka:// (?ssl=true, or implied by any of
// cafile/certfile/keyfile/insecure). The files are read and checked here, while parsing the URL,
// so that a wrong file or passphrase is a usage error naming the option (exit 2) rather than a
// connection failure (after retries, on Kafka) that never mentions the file.
import {readFileSync} from 'node:fs'
import {createSecureContext, type ConnectionOptions} from 'node:tls'
import {UsageError} from '../errors.js'

export const TLS_QUERY_KEYS = ['ssl', 'cafile', 'certfile', 'keyfile', 'passphrase', 'insecure'] as const

/** kafka://: undefined: plain TCP; true: TLS verified against Node's default CAs; else the options. */
export function sslOptions(query: URLSearchParams): ConnectionOptions | true | undefined {
  const wanted = flag(query, 'ssl') || ['cafile', 'certfile', 'keyfile'].some((key) => query.has(key)) || flag(query, 'insecure')
  if (!wanted) return undefined
  const options = tlsFileOptions(query)
  return Object.keys(options).length === 0 ? true : options
}

/** The TLS options the query gives (none: verify against Node's default CAs), files read and checked. */
export function tlsFileOptions(query: URLSearchParams): ConnectionOptions {
  const ca = readPem(query, 'cafile')
  const cert = readPem(query, 'certfile')
  const key = readPem(query, 'keyfile')
  const passphrase = query.get('passphrase') ?? undefined
  const insecure = flag(query, 'insecure')
  if ((cert === undefined) !== (key === undefined)) throw new UsageError('--url ?certfile and ?keyfile must be given together')
  if (passphrase !== undefined && key === undefined) throw new UsageError('--url ?passphrase is for an encrypted ?keyfile, and there is none')
  const options: ConnectionOptions = {}
  if (ca) {
    // Node silently ignores a CA file without a certificate in it: every broker would then fail
    // verification with a message that never mentions the file.
    if (!ca.toString('latin1').includes('-----BEGIN CERTIFICATE-----')) {
      throw new UsageError(`--url ?cafile: "${query.get('cafile')}" holds no PEM certificate (-----BEGIN CERTIFICATE-----)`)
    }
    options.ca = [ca]
  }
  if (cert && key) {
    checkClientCertificate(query, cert, key, passphrase)
    options.cert = cert
    options.key = key
    if (passphrase !== undefined) options.passphrase = passphrase
  }
  if (insecure) options.rejectUnauthorized = false
  return options
}

/** The checks Node makes at connect time, made now, each failure naming the URL option concerned. */
function checkClientCertificate(query: URLSearchParams, cert: Buffer, key: Buffer, passphrase: string | undefined): void {
  // OpenSSL 3 reports a wrong passphrase as "bad decrypt" or, when the garbage it decrypted happens to
  // pass the padding check (about 1 in 256 keys), as a decoder failure ("unsupported"): for an
  // encrypted key file both mean the passphrase.
  const encryptedKey = /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(key.toString('latin1'))
  const attempt = (option: string, secure: Parameters<typeof createSecureContext>[0]) => {
    try {
      createSecureContext(secure)
    } catch (error) {
      const code = String((error as NodeJS.ErrnoException).code ?? '')
      const file = query.get(option) ?? ''
      const wrongPassphrase = option === 'keyfile' && encryptedKey && (code === 'ERR_OSSL_BAD_DECRYPT' || code === 'ERR_OSSL_UNSUPPORTED')
      throw new UsageError(
        `--url ?${option}: ${wrongPassphrase ? `cannot decrypt "${file}": wrong or missing ?passphrase (the key is encrypted)` : pemProblem(error, file)}`,
      )
    }
  }
  attempt('certfile', {cert})
  attempt('keyfile', {key, passphrase})
  attempt('keyfile', {cert, key, passphrase})
}

function pemProblem(error: unknown, file: string): string {
  const code = String((error as NodeJS.ErrnoException).code ?? '')
  switch (code) {
    case 'ERR_OSSL_X509_KEY_VALUES_MISMATCH':
      return `"${file}" is not the private key of ?certfile (key values mismatch)`
    case 'ERR_OSSL_PEM_NO_START_LINE':
      return `"${file}" holds no PEM certificate (-----BEGIN CERTIFICATE-----)`
    case 'ERR_OSSL_UNSUPPORTED':
      return `"${file}" holds no PEM private key that OpenSSL can read`
    default: {
      const reason = ((error as Error).message ?? String(error)).split('\n')[0].replace(/^error:[0-9A-F]+:[^:]*::?/, '')
      return `cannot use "${file}": ${reason}${code ? ` (${code})` : ''}`
    }
  }
}

function readPem(query: URLSearchParams, key: string): Buffer | undefined {
  const file = query.get(key)
  if (file === null) return undefined
  try {
    return readFileSync(file)
  } catch (error) {
    throw new UsageError(`--url ?${key}: cannot read "${file}": ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`)
  }
}

function flag(query: URLSearchParams, key: string): boolean {
  const raw = query.get(key)
  if (raw === null) return false
  if (['true', '1', 'yes', ''].includes(raw)) return true
  if (['false', '0', 'no'].includes(raw)) return false
  throw new UsageError(`--url ?${key} must be true or false, got "${raw}"`)
}
