// A renewable kafkajs client. Why: a kafkajs client remembers every topic it has produced to or
// read offsets of ("target topics") and refreshes metadata for all of them in one request; once
// any of them is deleted (by us or anyone else), every later refresh fails with
// UNKNOWN_TOPIC_OR_PARTITION, so the client can no longer reach NEW topics either. The only
// public way out is a new client: renew() swaps it in and closes the old one.
export class Renewable<T extends {connect(): Promise<void>; disconnect(): Promise<void>}> {
  private client: T | undefined
  private connecting: Promise<T> | undefined

  constructor(
    private readonly create: () => T,
    private readonly connectClient: (client: T) => Promise<void>,
  ) {}

  get current(): T | undefined {
    return this.client
  }

  get(): Promise<T> {
    if (this.client) return Promise.resolve(this.client)
    return (this.connecting ??= (async () => {
      const created = this.create()
      try {
        await this.connectClient(created)
      } catch (error) {
        // Not awaited: a connect cut short by the deadline still has kafkajs's request waiting for
        // its requestTimeout (30 s) on a broker that accepted and never answered.
        void created.disconnect().catch(() => {})
        throw error
      } finally {
        this.connecting = undefined
      }
      this.client = created
      return created
    })())
  }

  /** Replace a client poisoned by a deleted topic; `stale` guards against double renewal. */
  async renew(stale: T): Promise<T> {
    if (this.client === stale) {
      this.client = undefined
      void stale.disconnect().catch(() => {})
    }
    return this.get()
  }

  async close(): Promise<void> {
    const client = this.client ?? (await this.connecting?.catch(() => undefined))
    this.client = undefined
    await client?.disconnect().catch(() => {})
  }
}

/** Runs admin work; if it fails on a topic that does exist, the client is poisoned: renew, retry once. */
export type AdminRunner = <R>(topic: string | undefined, work: (admin: import('kafkajs').Admin) => Promise<R>) => Promise<R>
