import {describe, expect, it} from 'vitest'
import {AssertionFailedError, DeliveryError, ExitCode, InterruptedError, NotFoundError, errorFromWire} from '../src/errors.js'

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
