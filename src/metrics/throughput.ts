// Throughput as n/T: event counts accumulated per interval window, each closed window turned
// into a rate. The hot path only increments two numbers; all division happens at window close.

export interface ThroughputWindow {
  /** Window start and end, milliseconds since the meter's origin. */
  startMs: number
  endMs: number
  count: number
  bytes: number
  /** How much of the window the rates are over: its length, or less when the events ended early (see closeWindow). */
  activeMs: number
  perSecond: number
  bytesPerSecond: number
}

export interface ThroughputTotals {
  count: number
  bytes: number
  /** Length of time the totals cover, milliseconds. */
  elapsedMs: number
  perSecond: number
  bytesPerSecond: number
}

export function rate(count: number, elapsedMs: number): number {
  return elapsedMs > 0 ? (count * 1000) / elapsedMs : 0
}

export class ThroughputMeter {
  /** Counts of the window still open. */
  count = 0
  bytes = 0
  private windowStartMs: number
  private readonly windows: ThroughputWindow[] = []
  private totalCount = 0
  private totalBytes = 0

  constructor(private readonly originMs = 0) {
    this.windowStartMs = originMs
  }

  add(count: number, bytes: number): void {
    this.count += count
    this.bytes += bytes
  }

  /**
   * Close the open window at `nowMs` and start the next; returns the closed window. `activeUntilMs`
   * (on the meter's clock): when the events ended, if they ended for good before `nowMs` (the
   * last window of a run, which closes after the drain): its rates are over the part up to then,
   * so a run's last, partial window does not read as a drop.
   */
  closeWindow(nowMs: number, keep = true, activeUntilMs?: number): ThroughputWindow {
    const activeEndMs = activeUntilMs === undefined ? nowMs : Math.min(nowMs, Math.max(this.windowStartMs, activeUntilMs))
    const activeMs = activeEndMs - this.windowStartMs
    const window: ThroughputWindow = {
      startMs: this.windowStartMs - this.originMs,
      endMs: nowMs - this.originMs,
      count: this.count,
      bytes: this.bytes,
      activeMs,
      perSecond: rate(this.count, activeMs),
      bytesPerSecond: rate(this.bytes, activeMs),
    }
    if (keep) {
      this.windows.push(window)
      this.totalCount += this.count
      this.totalBytes += this.bytes
    }
    this.count = 0
    this.bytes = 0
    this.windowStartMs = nowMs
    return window
  }

  /** Kept windows only (e.g. after warmup). */
  get series(): readonly ThroughputWindow[] {
    return this.windows
  }

  totals(elapsedMs: number): ThroughputTotals {
    return {
      count: this.totalCount,
      bytes: this.totalBytes,
      elapsedMs,
      perSecond: rate(this.totalCount, elapsedMs),
      bytesPerSecond: rate(this.totalBytes, elapsedMs),
    }
  }
}
