// The publish loop: messages go out strictly in input order, with at most `confirmWindow`
// publishes awaiting the broker's confirmation at a time (a bounded window, like PerfTest's
// --confirm). Broker refusals (nack, unroutable, reject-publish) are counted and the loop goes on;
// any other failure (connection, missing queue) stops sending, waits for what is outstanding,
// and is rethrown. With `recover` (--recover: the driver reconnects by itself, resilient.ts) a
// publish whose outcome is unknown (the connection died before the broker confirmed it) is sent
// again on the new connection and counted in `resent`: at-least-once, it may arrive twice. The
// loop never prints; the command renders the result.
import {DeliveryError, OutcomeUnknownError, UnsupportedError} from '../errors.js'
import {ConfirmWindow, DEFAULT_CONFIRM_WINDOW} from '../drivers/confirm-window.js'
import {publishWithCallbacks} from '../drivers/publish-callbacks.js'
import type {Driver, OutgoingMessage} from '../drivers/types.js'
import type {InputIterator, InputRecord, RawInput} from './input.js'
import {abortableReads} from './sources.js'

export {DEFAULT_CONFIRM_WINDOW}

export interface PublishFailures {
  nacked: number
  unroutable: number
  rejected: number
}

export interface PublishResult {
  confirmed: number
  failed: PublishFailures
  elapsedMs: number
  /** Confirmed messages per second over `elapsedMs` (0 when nothing was confirmed). */
  ratePerSec: number
  /**
   * --recover: publishes sent again because the connection died before the broker confirmed them
   * (the broker may have had them: they may arrive twice). Present only with --recover.
   */
  resent?: number
}

/** Properties shared by every message of one `publish` run. */
export type MessageTemplate = Omit<OutgoingMessage, 'body'>

export interface PublishOptions {
  driver: Driver
  queue: string
  inputs: AsyncIterable<RawInput>
  template: MessageTemplate
  /** @default DEFAULT_CONFIRM_WINDOW */
  confirmWindow?: number
  /** Stops sending (SIGINT); what is outstanding is still awaited and counted. */
  signal?: AbortSignal
  /** --recover: `driver` reconnects by itself; a publish whose outcome is unknown is sent again. */
  recover?: boolean
}

export interface PublishOutcome {
  result: PublishResult
  /** True when `signal` stopped the loop before the input ran out. */
  interrupted: boolean
  /**
   * Reading the input failed part way (a bad --input ndjson record, a read error): sending
   * stopped there, what was sent before it was still awaited and is counted in `result`.
   */
  inputError?: unknown
  /**
   * --recover: the error that stopped sending (recovery gave up: RecoveryFailedError), returned
   * with the counts so far instead of thrown.
   */
  failure?: unknown
}

export function totalFailed(failed: PublishFailures): number {
  return failed.nacked + failed.unroutable + failed.rejected
}

export async function publishAll(options: PublishOptions): Promise<PublishOutcome> {
  const {driver, queue, template, signal} = options
  const window = options.confirmWindow ?? DEFAULT_CONFIRM_WINDOW
  const failed: PublishFailures = {nacked: 0, unroutable: 0, rejected: 0}
  let confirmed = 0
  const confirms = new ConfirmWindow()
  let fatal: unknown
  const startMs = performance.now()
  let lastSettledMs = startMs

  const settled = () => {
    lastSettledMs = performance.now()
    confirms.settled()
  }
  const onConfirmed = () => {
    confirmed++
    settled()
  }
  const recover = options.recover === true
  // --recover: a run that gave up stops waiting for input at once (stdin may send nothing more).
  const stopReading = recover ? new AbortController() : undefined
  const onFailed = (error: unknown) => {
    if (error instanceof DeliveryError) failed[error.reason]++
    else {
      fatal ??= error
      stopReading?.abort()
    }
    settled()
  }

  // The driver's callback path where it has one: no promise and no reaction per message.
  const send = publishWithCallbacks(driver)
  let resent = 0
  // --recover only: a failure callback per message, which holds the message to send it again.
  const sendRecovering = (message: OutgoingMessage) => {
    const onFailedOnce = (error: Error) => {
      if (!(error instanceof OutcomeUnknownError)) return onFailed(error)
      resent++
      // The resilient driver is already reconnecting when it calls this: the publish waits for the new connection.
      sendOrFail(message, onFailedOnce)
    }
    sendOrFail(message, onFailedOnce)
  }
  const sendOrFail = (message: OutgoingMessage, failed: (error: Error) => void) => {
    try {
      send(queue, message, onConfirmed, failed)
    } catch (error) {
      failed(error as Error)
    }
  }
  const iterator: AsyncIterator<RawInput> & Pick<InputIterator, 'nextBuffered'> = options.inputs[Symbol.asyncIterator]()
  // Inputs read already (the rest of a chunk's lines) are taken without an async step.
  const nextBuffered = iterator.nextBuffered?.bind(iterator)
  const interrupted = () => stopReading?.abort()
  if (stopReading && signal) {
    if (signal.aborted) stopReading.abort()
    else signal.addEventListener('abort', interrupted, {once: true})
  }
  const inputs = abortableReads(iterator, stopReading?.signal ?? signal)
  let inputError: unknown
  try {
    for (;;) {
      let input = nextBuffered?.()
      if (input === undefined) {
        let next: IteratorResult<RawInput> | undefined
        try {
          next = await inputs.next()
        } catch (error) {
          inputError = error
          break
        }
        if (next === undefined || next.done) break
        input = next.value
      }
      if (fatal !== undefined) break
      // A fatal failure settles its publish too, so a full window always frees a slot for this check.
      if (confirms.outstanding >= window) await confirms.atMost(window - 1)
      if (fatal !== undefined || signal?.aborted) break
      const message: OutgoingMessage = input.record === undefined ? {...template, body: input.body} : recordMessage(template, input.record, input.body)
      if (input.key !== undefined) message.key = input.key
      confirms.sent()
      if (recover) {
        sendRecovering(message)
        continue
      }
      try {
        send(queue, message, onConfirmed, onFailed)
      } catch (error) {
        // A driver that throws synchronously is treated like one that rejects.
        onFailed(error)
      }
    }
  } finally {
    inputs.dispose()
    signal?.removeEventListener('abort', interrupted)
  }
  // Close the source (a file stream) without waiting on it: stdin may be blocked on a read.
  void iterator.return?.()?.catch(() => {})
  await confirms.atMost(0)
  if (fatal !== undefined && !recover) throw fatal

  const elapsedMs = lastSettledMs - startMs
  const result: PublishResult = {
    confirmed,
    failed,
    elapsedMs: round(elapsedMs, 3),
    ratePerSec: elapsedMs > 0 ? round((confirmed * 1000) / elapsedMs, 1) : 0,
  }
  if (recover) result.resent = resent
  return {
    result,
    interrupted: signal?.aborted === true,
    ...(inputError === undefined ? {} : {inputError}),
    ...(fatal === undefined ? {} : {failure: fatal}),
  }
}

/**
 * A --input ndjson record's message: the record's own properties, and the flags' (the template)
 * for what it leaves unset; headers are the flags' with the record's over them.
 */
function recordMessage(template: MessageTemplate, record: InputRecord, body: Buffer): OutgoingMessage {
  const message: OutgoingMessage = {...template, body}
  if (record.headers !== undefined) message.headers = template.headers === undefined ? record.headers : {...template.headers, ...record.headers}
  if (record.priority !== undefined) message.priority = record.priority
  if (record.messageId !== undefined) message.messageId = record.messageId
  if (record.correlationId !== undefined) message.correlationId = record.correlationId
  if (record.contentType !== undefined) message.contentType = record.contentType
  return message
}

/**
 * --input ndjson keys where the target keeps none (publishing straight to a RabbitMQ queue, see
 * refuseDroppedKeys). A record read from such a queue has that queue's name as its key (its
 * routing key), which carries nothing of the message's own: it is left off, as is a key equal to
 * the target's name, which a consumer of the target will see anyway. Any other key would be
 * dropped: the run stops there (exit 7), after what was sent before it.
 */
export function keepRecordKeys(driver: Driver, template: MessageTemplate, queue: string, inputs: AsyncIterable<RawInput>): AsyncIterable<RawInput> {
  const keyless = !driver.features.keyPreserved && template.exchange === undefined
  // Every key is kept: the inputs as they are, without an async step per message.
  return keyless ? keylessInputs(driver.backend, queue, inputs) : inputs
}

async function* keylessInputs(backend: string, queue: string, inputs: AsyncIterable<RawInput>): AsyncGenerator<RawInput> {
  for await (const input of inputs) {
    if (input.record === undefined || input.key === undefined) {
      yield input
      continue
    }
    if (input.key === input.record.queue || input.key === queue) {
      const {key: _routingKey, ...rest} = input
      yield rest
      continue
    }
    throw new UnsupportedError(
      `${input.record.where}: key "${input.key}" cannot be kept: a message published straight to a queue on ${backend}:// keeps no key (its routing key is the queue name); publish through an exchange (--exchange X) to keep it as the routing key, or drop the keys from the input (jq -c 'del(.key)')`,
    )
  }
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits
  return Math.round(value * factor) / factor
}

/**
 * A message published straight to a RabbitMQ queue keeps no key: its routing key is the queue's
 * name, and that is what a consumer sees as its key (features.keyPreserved false). A key given
 * with --key or --key-delimiter is refused (exit 7) before anything is sent, never dropped.
 * Through an exchange the key is the routing key, and is kept.
 */
export function refuseDroppedKeys(driver: Driver, template: MessageTemplate, keyFlags: readonly string[]): void {
  if (keyFlags.length === 0 || driver.features.keyPreserved || template.exchange !== undefined) return
  throw new UnsupportedError(
    `${keyFlags.join(' and ')}: a message published straight to a queue on ${driver.backend}:// keeps no key (its routing key is the queue name); send the key as a header (--header key=VALUE), or publish through an exchange (--exchange X --key K)`,
  )
}

/** The error a run with refused messages ends with (exit 9), after its summary was shown. */
export function deliveryFailure(result: PublishResult): DeliveryError | undefined {
  const total = totalFailed(result.failed)
  if (total === 0) return undefined
  const parts = Object.entries(result.failed)
    .filter(([, n]) => n > 0)
    .map(([reason, n]) => `${n} ${reason}`)
  const reason = (Object.entries(result.failed).find(([, n]) => n > 0)?.[0] ?? 'nacked') as DeliveryError['reason']
  return new DeliveryError(`${total} of ${total + result.confirmed} messages were not confirmed by the broker (${parts.join(', ')})`, {reason})
}
