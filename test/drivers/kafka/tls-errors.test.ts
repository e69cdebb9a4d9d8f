// Kafka TLS failure → one line, for the cases the private-broker test (ssl.test.ts) cannot
// provoke: errors shaped as kafkajs reports them (KafkaJSConnectionError with Node's code).
import {describe, expect, it} from 'vitest'
import {ConnectionError} from '../../../src/errors.js'
import {toMqkitError} from '../../../src/drivers/kafka/errors.js'

function kafkajsConnectionError(message: string, code?: string) {
  const inner = Object.assign(new Error(`Connection error: ${message}`), {name: 'KafkaJSConnectionError', code, broker: '10.0.0.1:9093'})
  return Object.assign(new Error('retries exceeded'), {name: 'KafkaJSNumberOfRetriesExceeded', cause: inner})
}

const map = (message: string, code?: string) => toMqkitError(kafkajsConnectionError(message, code), {action: 'connect', brokers: 'kafka.example:9093'})

describe('kafka TLS error mapping', () => {
  it('an expired broker certificate', () => {
    const error = map('certificate has expired', 'CERT_HAS_EXPIRED')
    expect(error).toBeInstanceOf(ConnectionError)
    expect(error.exitCode).toBe(3)
    expect(error.retriable).toBe(false)
    expect(error.message).toBe(
      "cannot connect to Kafka at kafka.example:9093: TLS: the broker's certificate is not valid now: certificate has expired (CERT_HAS_EXPIRED)",
    )
  })

  it('a TLS client on a port that answers in plain text: OpenSSL text cut to its reason', () => {
    const error = map(
      'C0D7A8D1E37F0000:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/openssl/openssl/ssl/record/ssl3_record.c:355:\n',
      'ERR_SSL_WRONG_VERSION_NUMBER',
    )
    expect(error.message).toBe(
      'cannot connect to Kafka at kafka.example:9093: TLS: the port does not speak TLS (wrong version number); is this a PLAINTEXT listener? (then drop ?ssl=true)',
    )
  })

  it('TLS 1.3 "certificate required" alert names ?certfile and ?keyfile', () => {
    const error = map(
      '80ACE1014A7F0000:error:0A00045C:SSL routines:ssl3_read_bytes:tlsv13 alert certificate required:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:1601:SSL alert number 116',
      'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
    )
    expect(error.message).toMatch(
      /TLS: the broker refused the client certificate, or its absence \(tlsv13 alert certificate required\); .*\?certfile=cert\.pem&keyfile=key\.pem$/,
    )
  })

  it('plain socket failures keep their wording (not TLS)', () => {
    const error = map('connect ECONNREFUSED 10.0.0.1:9093', 'ECONNREFUSED')
    expect(error.message).toBe('cannot reach Kafka at kafka.example:9093: Connection error: connect ECONNREFUSED 10.0.0.1:9093')
    expect(error.retriable).toBe(true)
  })
})
