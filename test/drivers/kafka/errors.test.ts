// Error mapping for @platformatic/kafka's retried operations, built from the library's own error
// classes in the shape its producer gives them (no broker needed).
import {MultipleErrors, NetworkError} from '@platformatic/kafka'
import {describe, expect, it} from 'vitest'
import {ConnectionError} from '../../../src/errors.js'
import {toMqkitError, unreadableAnswer} from '../../../src/drivers/kafka/errors.js'

/** @platformatic/dynamic-buffer's OutOfBoundsError (a dependency of the library, not of mqkit). */
const outOfBounds = () => Object.assign(new Error('Out of bounds.'), {code: 'OUT_OF_BOUNDS'})

/** What a produce to a broker that is shutting down ends with: an answer it could not decode, then refused retries. */
function stoppingBrokerError(): Error {
  const refused = () =>
    new NetworkError('Connection to 127.0.0.1:9 failed.', {cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), {code: 'ECONNREFUSED'})})
  const attempts = new MultipleErrors('produce failed 3 times.', [outOfBounds(), refused(), refused()])
  return new MultipleErrors('Producing messages failed.', [attempts])
}

describe('kafka errors: @platformatic/kafka retried operations', () => {
  it('the last attempt says how it ended: a broker gone is a ConnectionError naming the refusal', () => {
    const error = toMqkitError(stoppingBrokerError(), {action: 'publish to "t"', brokers: '127.0.0.1:9'})
    expect(error).toBeInstanceOf(ConnectionError)
    expect(error.message).toBe('cannot reach Kafka at 127.0.0.1:9: connect ECONNREFUSED 127.0.0.1:9')
  })

  it('an answer the library could not decode is recognised anywhere in the chain', () => {
    expect(unreadableAnswer(stoppingBrokerError())).toBe(true)
    expect(unreadableAnswer(new MultipleErrors('Producing messages failed.', [new NetworkError('Connection closed')]))).toBe(false)
  })
})
