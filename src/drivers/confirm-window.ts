// The bounded window of publishes awaiting the broker's confirmation (PerfTest's --confirm), shared
// by every publisher (core/publish.ts, bench/producer.ts): `sent()` when a publish leaves,
// `settled()` when its confirm or failure arrives, `atMost(n)` to wait for room. One waiter at a
// time: a publisher is one loop. The per-message path (sent, settled) allocates nothing; only a
// wait creates a promise.

/**
 * Most publishes one publisher keeps awaiting confirmation (`publish --confirm-window`, bench's
 * per-producer window): large enough to hide a broker round trip at high rates, small enough to
 * bound memory and closed-loop queueing. @default 1000
 */
export const DEFAULT_CONFIRM_WINDOW = 1000

export class ConfirmWindow {
  /** Publishes sent and not yet confirmed or failed. */
  outstanding = 0
  private waiter: (() => void) | undefined
  /** The waiter wakes once `outstanding` is at or below this. */
  private target = 0

  /** A publish left: one more awaits its confirmation. */
  sent(): void {
    this.outstanding++
  }

  /** A publish was confirmed or failed. */
  settled(): void {
    this.outstanding--
    if (this.waiter !== undefined && this.outstanding <= this.target) this.wake()
  }

  /**
   * Resolves once at most `target` publishes are outstanding (at once when that already holds), or
   * when wake() is called. The previous waiter, if any, must have been woken.
   */
  atMost(target: number): Promise<void> {
    if (this.outstanding <= target) return Promise.resolve()
    this.target = target
    return new Promise((resolve) => {
      this.waiter = resolve
    })
  }

  /** Wake the waiter now, whatever is outstanding (an interrupt, a fatal error). */
  wake(): void {
    const resume = this.waiter
    this.waiter = undefined
    resume?.()
  }
}
