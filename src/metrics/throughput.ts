// Throughput as n/T: event counts accumulated per interval window, each closed window turned
// into a rate. The hot path only increments two numbers; all division happens at window close.

export interface ThroughputWindow {
  /** Window start and end, milliseconds since the meter's origin. */
  startMs: number
  endMs: number
  count: number
  bytes: number
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

  /** Close the open window at `nowMs` and start the next; returns the closed window. */
  closeWindow(nowMs: number, keep = true): ThroughputWindow {
    const elapsedMs = nowMs - this.windowStartMs
    const window: ThroughputWindow = {
      startMs: this.windowStartMs - this.originMs,
      endMs: nowMs - this.originMs,
      count: this.count,
      bytes: this.bytes,
      perSecond: rate(this.count, elapsedMs),
      bytesPerSecond: rate(this.bytes, elapsedMs),
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
