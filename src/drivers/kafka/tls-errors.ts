// TLS failures seen by kafkajs, in words a user can act on. kafkajs reports them as
// KafkaJSConnectionError("Connection error: <node message>", {code: <node/OpenSSL code>}); what
// OpenSSL says is read by ../tls-reason.ts, shared with the amqps driver; the hints here name
// Kafka's listeners and URL options.
import {CLIENT_CERT_REJECTED, CLIENT_CERT_REQUIRED, NOT_TLS_PORT, sslReason} from '../tls-reason.js'

/** Node's codes for a broker certificate that did not verify (OpenSSL X509_V_ERR_* names). */
const CERT_CODES = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|INVALID_CA/

/** One line saying what went wrong with TLS, or undefined when `code`/`message` are not about TLS. */
export function tlsProblem(message: string, code: string | undefined): string | undefined {
  const text = message
    .replace(/^Connection error: /, '')
    .split('\n')[0]
    .trim()
  const codeText = code ?? ''
  if (codeText === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return `TLS: the broker's certificate is not for this host (${text}); connect with a host name or IP address the certificate lists, or skip verification with ?insecure=true`
  }
  if (codeText === 'CERT_HAS_EXPIRED' || codeText === 'CERT_NOT_YET_VALID') {
    return `TLS: the broker's certificate is not valid now: ${text} (${codeText})`
  }
  if (CERT_CODES.test(codeText) && !codeText.startsWith('ERR_')) {
    return `TLS: the broker's certificate could not be verified: ${text} (${codeText}); give the CA that signed it with ?cafile=ca.pem, or skip verification with ?insecure=true`
  }
  if (/before secure TLS connection was established/.test(text)) {
    return `TLS: the broker closed the connection during the TLS handshake; is this a PLAINTEXT or SASL_PLAINTEXT listener? (then drop ?ssl=true)`
  }
  const reason = sslReason(text) ?? (codeText.startsWith('ERR_SSL_') ? codeText.slice('ERR_SSL_'.length).toLowerCase().replaceAll('_', ' ') : undefined)
  if (reason === undefined) return undefined
  if (NOT_TLS_PORT.test(reason)) {
    return `TLS: the port does not speak TLS (${reason}); is this a PLAINTEXT listener? (then drop ?ssl=true)`
  }
  // Kafka sends the same alert whether the certificate was missing or refused.
  if (CLIENT_CERT_REQUIRED.test(reason) || CLIENT_CERT_REJECTED.test(reason)) {
    return `TLS: the broker refused the client certificate, or its absence (${reason}); this listener requires one signed by a CA the broker trusts: give ?certfile=cert.pem&keyfile=key.pem`
  }
  return `TLS: ${reason}`
}
