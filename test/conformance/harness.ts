// What a conformance case gets: the suite's connected driver, unique queue names, and helpers
// that collect deliveries and clean up after the case (queues deleted, subscriptions
// cancelled, extra connections closed) whether it passed or not.
import type {
  ConsumeOptions,
  DeclareResult,
  Delivery,
  Driver,
  DriverFeatures,
  OutgoingMessage,
  QueueSpec,
  QueueStats,
  Subscription,
} from '../../src/drivers/types.js'

/**
 * How long a case waits for inspect to show a change. RabbitMQ's in-flight figures come from the
 * management API, which RabbitMQ refreshes every 5 s, and later than that on a loaded machine
 * (a fresh-clone run once saw no change for 10 s).
 */
const STATS_WAIT_MS = 30_000
import {uniqueName, waitFor} from '../helpers/brokers.js'

export interface ConformanceCase {
  name: string
  /** The case runs only when this holds for the driver's declared features. */
  when?: (features: DriverFeatures) => boolean
  run(t: CaseContext): Promise<void>
}

/** How a collector settles what it receives. */
export type Settle = 'ack' | 'hold' | ((delivery: Delivery) => void | Promise<void>)

export interface Collector {
  readonly deliveries: Delivery[]
  readonly subscription: Subscription
  bodies(): string[]
  /** Wait until at least `count` deliveries arrived. */
  waitForCount(count: number, timeoutMs?: number): Promise<void>
}

export class CaseContext {
  /** The case's own queue. */
  readonly queue: string
  /** Consumer group shared by this case's competing consumers (log-based backends). */
  readonly group: string
  private readonly queues = new Set<string>()
  private readonly subscriptions: Subscription[] = []
  private readonly drivers: Driver[] = []

  constructor(
    readonly driver: Driver,
    readonly features: DriverFeatures,
    private readonly makeDriver: () => Promise<Driver>,
    caseName: string,
  ) {
    const slug = caseName.replace(/[^a-z0-9]+/gi, '-').slice(0, 24)
    this.queue = uniqueName(slug)
    this.group = uniqueName(`g-${slug}`)
  }

  /** Another unique queue name (e.g. a dead-letter queue), cleaned up with the case. */
  name(suffix: string): string {
    const name = `${this.queue}-${suffix}`
    this.queues.add(name)
    return name
  }

  async declare(spec: Partial<QueueSpec> = {}, driver = this.driver): Promise<DeclareResult> {
    const name = spec.name ?? this.queue
    this.queues.add(name)
    return driver.declare({...spec, name})
  }

  /** A second, connected driver (a separate connection); closed after the case. */
  async openDriver(): Promise<Driver> {
    const driver = await this.makeDriver()
    await driver.connect()
    this.drivers.push(driver)
    return driver
  }

  async consume(queue: string, options: Omit<ConsumeOptions, 'group' | 'from'> & {settle?: Settle} = {}, driver = this.driver): Promise<Collector> {
    const {settle = 'ack', ...consumeOptions} = options
    const deliveries: Delivery[] = []
    const subscription = await driver.consume(
      queue,
      // Log-based backends (Kafka) read as a queue: one group per case, and no start position, since
      // by default a consumer takes what is there (its group's committed offsets, else the beginning).
      {...consumeOptions, group: this.group},
      async (delivery) => {
        deliveries.push(delivery)
        if (settle === 'ack') await delivery.ack()
        else if (typeof settle === 'function') await settle(delivery)
      },
    )
    this.subscriptions.push(subscription)
    return {
      deliveries,
      subscription,
      bodies: () => deliveries.map((d) => d.body.toString('utf8')),
      waitForCount: async (count, timeoutMs) => {
        await waitFor(`${count} deliveries on ${queue} (have ${deliveries.length})`, () => deliveries.length >= count, timeoutMs)
      },
    }
  }

  /** Publish one message per body, in order, each confirmed before the next. */
  async publishAll(queue: string, bodies: string[], extra: Omit<OutgoingMessage, 'body'> = {}, driver = this.driver): Promise<void> {
    for (const body of bodies) await driver.publish(queue, {...extra, body: Buffer.from(body)})
  }

  async stats(queue: string): Promise<QueueStats> {
    const result = await this.driver.inspect([queue], {group: this.group})
    const stats = result.queues.find((q) => q.name === queue)
    if (!stats) throw new Error(`inspect did not report queue ${queue}`)
    return stats
  }

  /** Wait until inspect reports what `check` wants; the last figures are in the timeout message. */
  async waitForStats(queue: string, what: string, check: (stats: QueueStats) => boolean, timeoutMs = STATS_WAIT_MS): Promise<QueueStats> {
    let last: QueueStats | undefined
    try {
      return await waitFor(
        what,
        async () => {
          last = await this.stats(queue)
          return check(last) ? last : undefined
        },
        timeoutMs,
      )
    } catch (error) {
      throw new Error(`${(error as Error).message}; last: ${JSON.stringify(last)}`)
    }
  }

  /** Everything the case created goes away; cleanup failures never mask the case's own. */
  async cleanup(): Promise<void> {
    for (const subscription of this.subscriptions) await subscription.cancel().catch(() => {})
    for (const driver of this.drivers) await driver.close().catch(() => {})
    for (const queue of this.queues) await this.driver.delete(queue).catch(() => {})
  }
}

export const range = (count: number, prefix = 'm'): string[] => Array.from({length: count}, (_, i) => `${prefix}${i}`)

/** Resolve with the subscription's end reason, or fail after `timeoutMs`. */
export async function endedWithin(subscription: Subscription, timeoutMs = 10_000) {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`subscription did not end within ${timeoutMs} ms`)), timeoutMs)
  })
  try {
    return await Promise.race([subscription.ended, timeout])
  } finally {
    clearTimeout(timer)
  }
}

/** Let a moment pass: only for "nothing more arrives" checks, never to wait for something. */
export const quietPeriod = (ms = 200) => new Promise((resolve) => setTimeout(resolve, ms))
