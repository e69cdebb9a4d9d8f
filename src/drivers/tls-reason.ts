// What OpenSSL (through Node) says when a TLS handshake fails, shared by the amqps and Kafka
// drivers; each words the advice for its own URL options. OpenSSL's text ("80AC…:error:0A000412:
// SSL routines:ssl3_read_bytes:sslv3 alert bad certificate:../deps/openssl/…") is cut to its reason.

/** The reason part of an OpenSSL error text, or undefined when there is none. */
export function sslReason(text: string): string | undefined {
  return /SSL routines:[^:]*:([^:]+)/.exec(text)?.[1]
}

/** The other side is not speaking TLS (a plain port reached with TLS on). */
export const NOT_TLS_PORT = /wrong version number|packet length too long|record layer failure/i

/** The broker wants a client certificate and got none. */
export const CLIENT_CERT_REQUIRED = /alert certificate required/i

/** The broker refused the client certificate it was given. */
export const CLIENT_CERT_REJECTED = /alert (bad certificate|unknown ca|certificate unknown|certificate expired|certificate revoked|unsupported certificate)/i
