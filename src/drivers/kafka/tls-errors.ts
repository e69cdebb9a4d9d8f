// TLS failures seen by kafkajs, in words a user can act on. kafkajs reports them as
// KafkaJSConnectionError("Connection error: <node message>", {code: <node/OpenSSL code>}), and
// OpenSSL's own text for a broker's alert is "80AC…:error:0A000412:SSL routines:ssl3_read_bytes:
// sslv3 alert bad certificate:../deps/openssl/…:SSL alert number 42": cut down to its reason.
// (Same wording as the amqps driver's; the hints name Kafka's listeners.)

/** Node's codes for a broker certificate that did not verify (OpenSSL X509_V_ERR_* names). */
const CERT_CODES = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|INVALID_CA/

/** The broker refused our certificate (or its absence): alerts it sends during the handshake. */
const CLIENT_CERT_ALERTS = /alert (bad certificate|unknown ca|certificate unknown|certificate required|certificate expired|certificate revoked|unsupported certificate)/i

/** One line saying what went wrong with TLS, or undefined when `code`/`message` are not about TLS. */
export function tlsProblem(message: string, code: string | undefined): string | undefined {
  const text = message.replace(/^Connection error: /, '').split('\n')[0].trim()
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
  const reason = /SSL routines:[^:]*:([^:]+)/.exec(text)?.[1] ?? (codeText.startsWith('ERR_SSL_') ? codeText.slice('ERR_SSL_'.length).toLowerCase().replaceAll('_', ' ') : undefined)
  if (reason === undefined) return undefined
  if (/wrong version number|packet length too long|record layer failure/i.test(reason)) {
    return `TLS: the port does not speak TLS (${reason}); is this a PLAINTEXT listener? (then drop ?ssl=true)`
  }
  if (CLIENT_CERT_ALERTS.test(reason)) {
    return `TLS: the broker refused the client certificate, or its absence (${reason}); this listener requires one signed by a CA the broker trusts: give ?certfile=cert.pem&keyfile=key.pem`
  }
  return `TLS: ${reason}`
}
