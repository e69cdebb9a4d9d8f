// A counting semaphore with a bounded wait, for prefetch: acquire() resolves true with a permit,
// or false after `waitMs` (so the caller can heartbeat) or once closed.
export class Permits {
  private available: number
  private readonly waiters: Array<(granted: boolean) => void> = []
  private closed = false

  constructor(count: number) {
    this.available = count
  }

  /** A permit now, without waiting (the hot path: no promise when one is free); false if none or closed. */
  tryAcquire(): boolean {
    if (this.closed || this.available <= 0) return false
    this.available--
    return true
  }

  acquire(waitMs: number): Promise<boolean> {
    if (this.closed) return Promise.resolve(false)
    if (this.available > 0) {
      this.available--
      return Promise.resolve(true)
    }
    return new Promise<boolean>((resolve) => {
      const waiter = (granted: boolean) => {
        clearTimeout(timer)
        resolve(granted)
      }
      const timer = setTimeout(() => {
        const at = this.waiters.indexOf(waiter)
        if (at >= 0) this.waiters.splice(at, 1)
        resolve(false)
      }, waitMs)
      this.waiters.push(waiter)
    })
  }

  release(): void {
    const next = this.waiters.shift()
    if (next) next(true)
    else this.available++
  }

  /** Wake every waiter with false; later acquires fail at once. */
  close(): void {
    this.closed = true
    for (const waiter of this.waiters.splice(0)) waiter(false)
  }
}
