import {describe, expect, it} from 'vitest'
import {
  AssertionFailedError,
  ConnectionError,
  DeliveryError,
  ExitCode,
  InterruptedError,
  MqkitError,
  NotFoundError,
  UnexpectedError,
  errorFromWire,
  errorToWire,
  withContext,
} from '../src/errors.js'

describe("errorFromWire (a worker thread's error back on the main thread)", () => {
  it.each([
    [new DeliveryError('nacked'), ExitCode.delivery],
    [new InterruptedError('stop'), ExitCode.interrupted],
    [new AssertionFailedError('p99'), ExitCode.assertion],
    [new NotFoundError('gone'), ExitCode.notFound],
  ])('%s keeps its class and exit code through a structured clone', (error, exitCode) => {
    const wire = structuredClone({name: error.name, message: error.message, exitCode: error.exitCode})
    const back = errorFromWire(wire)
    expect(back).toBeInstanceOf(error.constructor)
    expect(back.exitCode).toBe(exitCode)
    expect(back.message).toBe(error.message)
  })
  it('an unknown name keeps the exit code it carried', () => {
    expect(errorFromWire({name: 'SomethingElse', message: 'x', exitCode: 6}).exitCode).toBe(6)
    expect(errorFromWire({name: 'SomethingElse', message: 'x'}).exitCode).toBe(ExitCode.failure)
  })
})

describe('context fields (said after the message, never spliced into it by callers)', () => {
  const runSoFar = {sent: 10, confirmed: 8, received: 7, unconfirmed: 2}

  it('the message is the headline followed by the notes of its context', () => {
    const error = new ConnectionError('connection lost while consuming "q"', {context: {uncommitted: 1}})
    expect(error.headline).toBe('connection lost while consuming "q"')
    expect(error.message).toBe('connection lost while consuming "q"; 1 written message could not be committed and may be delivered again')
    expect(new ConnectionError('x', {context: {uncommitted: 0}}).message).toBe('x')
  })

  it('withContext adds facts to one of ours, keeping its class', () => {
    const error = new ConnectionError('consumer 1 on "q": reset')
    expect(withContext(error, {runSoFar})).toBe(error)
    expect(error.context.runSoFar).toEqual(runSoFar)
    expect(error.message).toBe(
      'consumer 1 on "q": reset; before that: 10 sent, 8 confirmed, 7 received (2 never confirmed: the broker may or may not have them)',
    )
    expect(new MqkitError('y', {context: {runSoFar: {...runSoFar, unconfirmed: 0}}}).message).toBe('y; before that: 10 sent, 8 confirmed, 7 received')
  })

  it('withContext wraps any other Error with the same words and exit code, and leaves non-errors alone', () => {
    const cause = new TypeError('boom')
    const wrapped = withContext(cause, {uncommitted: 3}) as UnexpectedError
    expect(wrapped).toBeInstanceOf(UnexpectedError)
    expect(wrapped.cause).toBe(cause)
    expect(wrapped.code).toBe('ERROR')
    expect(wrapped.exitCode).toBe(ExitCode.failure)
    expect(wrapped.message).toBe('boom; 3 written messages could not be committed and may be delivered again')
    expect(withContext('text', {uncommitted: 3})).toBe('text')
  })

  it('context survives the thread boundary as fields, and the message reads the same', () => {
    const error = new ConnectionError('lost', {context: {runSoFar}})
    const back = errorFromWire(structuredClone(errorToWire(error)))
    expect(back).toBeInstanceOf(ConnectionError)
    expect(back.context).toEqual({runSoFar})
    expect(back.message).toBe(error.message)
  })
})
