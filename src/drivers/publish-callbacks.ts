// Driver.publishCallback for every driver: the driver's own where it has one, else publish()
// with the callbacks attached to its promise. Chosen once per publisher, not per message.
import type {Driver, OutgoingMessage} from './types.js'

export type PublishWithCallbacks = (queue: string, message: OutgoingMessage, confirmed: () => void, failed: (error: Error) => void) => void

export function publishWithCallbacks(driver: Driver): PublishWithCallbacks {
  if (driver.publishCallback) return driver.publishCallback.bind(driver)
  return (queue, message, confirmed, failed) => {
    driver.publish(queue, message).then(confirmed, failed)
  }
}

/** publish() for a driver whose publishCallback is its publish path: one promise around it. */
export function promised(publishCallback: PublishWithCallbacks): Driver['publish'] {
  return (queue, message) => new Promise<void>((resolve, reject) => publishCallback(queue, message, resolve, reject))
}

/**
 * For a driver that calls a caller's callback from its own machinery (a socket read, a loop over a
 * batch): a throw there is a bug in the caller, and must not leave the driver half-way through its
 * work. It is raised again on its own turn, as an uncaught exception, as a throw in any callback is.
 */
export function raiseLater(error: unknown): void {
  queueMicrotask(() => {
    throw error
  })
}
