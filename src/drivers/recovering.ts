// `consume --recover` and `publish --recover`: one connection that rides out a lost connection
// (resilient.ts), opened and closed as withDriver does. The command's loop is told how long the
// current connection has been up, so an outage is never taken for an idle queue.
import {withRecoveryHeartbeat} from '../bench/client-knobs.js'
import type {ConnectionRole, RunEvent} from '../results/availability.js'
import {parseUrl} from '../url.js'
import {createDriver} from './index.js'
import {ResilientDriver} from './resilient.js'
import type {Driver, DriverContext} from './types.js'

export interface RecoveringOptions {
  /** Longest one outage may last before the run gives up (RecoveryFailedError, exit 3). */
  budgetMs: number
  role: Extract<ConnectionRole, 'consumer' | 'producer'>
  /** Connection lost, reconnected, gave up; `atMs` counts from the driver's creation. */
  onEvent: (event: RunEvent) => void
}

/** What a command's loop may ask of its recovering connection. */
export interface ConnectionWatch {
  /** How long the current connection has been up, ms; undefined while reconnecting. */
  upForMs(): number | undefined
}

/** bench numbers its connections from 1 per role; a command has one. */
const CONNECTION_INDEX = 1

/**
 * Connect (the first connection is not retried: a wrong URL fails at once), run `work`, always
 * close. On RabbitMQ the URL gets a short heartbeat unless it sets one, so a frozen broker is
 * noticed (client-knobs.ts RECOVERY_HEARTBEAT_S).
 */
export async function withRecoveringDriver<T>(
  rawUrl: string,
  context: DriverContext,
  options: RecoveringOptions,
  work: (driver: Driver, watch: ConnectionWatch) => Promise<T>,
): Promise<T> {
  const url = withRecoveryHeartbeat(rawUrl, parseUrl(rawUrl).scheme)
  const createdMs = performance.now()
  let upSinceMs: number | undefined = createdMs
  const watch: ConnectionWatch = {upForMs: () => (upSinceMs === undefined ? undefined : performance.now() - upSinceMs)}
  const driver = await ResilientDriver.create({
    make: () => createDriver(url, context),
    policy: {budgetMs: options.budgetMs},
    role: options.role,
    index: CONNECTION_INDEX,
    topology: [],
    clockMs: () => performance.now() - createdMs,
    onEvent: (event) => {
      if (event.kind === 'connection-lost') upSinceMs = undefined
      else if (event.kind === 'reconnected') upSinceMs = performance.now()
      options.onEvent(event)
    },
    signal: context.signal,
  })
  await driver.connect()
  let result: T
  try {
    result = await work(driver, watch)
  } catch (error) {
    await driver.close().catch(() => {})
    throw error
  }
  await driver.close()
  return result
}
