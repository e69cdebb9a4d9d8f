// Queue length sampled from the broker while a run goes on: a time series, its time-weighted
// mean (each sample holds until the next, as a step function) and its maximum. Sampling is
// sequential — a slow broker answer delays the next sample instead of piling up requests.

export interface QueueLengthSample {
  /** Milliseconds since the sampler's origin. */
  tMs: number
  length: number
}

export interface QueueLengthFigures {
  samples: number
  mean: number
  max: number
}

export class QueueLengthSampler {
  private readonly points: QueueLengthSample[] = []
  private timer: NodeJS.Timeout | undefined
  private running: Promise<void> | undefined
  private stopped = false
  /** Sampling failures are counted, not thrown: a run should not die on one slow inspect. */
  errors = 0
  lastError: unknown

  constructor(
    private readonly sample: () => Promise<number>,
    private readonly intervalMs: number,
    private readonly nowMs: () => number,
  ) {}

  start(): void {
    this.stopped = false
    const loop = async () => {
      if (this.stopped) return
      await this.sampleOnce()
      if (!this.stopped) this.timer = setTimeout(() => void (this.running = loop()), this.intervalMs)
    }
    this.running = loop()
  }

  async sampleOnce(): Promise<number | undefined> {
    try {
      const length = await this.sample()
      this.points.push({tMs: this.nowMs(), length})
      return length
    } catch (error) {
      this.errors++
      this.lastError = error
      return undefined
    }
  }

  async stop(): Promise<void> {
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
    await this.running
  }

  get series(): readonly QueueLengthSample[] {
    return this.points
  }

  get latest(): number | undefined {
    return this.points.at(-1)?.length
  }

  /** Figures over samples within [fromMs, toMs]. */
  figures(fromMs = Number.NEGATIVE_INFINITY, toMs = Number.POSITIVE_INFINITY): QueueLengthFigures {
    const inRange = this.points.filter((p) => p.tMs >= fromMs && p.tMs <= toMs)
    return {samples: inRange.length, mean: timeWeightedMean(inRange, toMs), max: maxLength(inRange)}
  }
}

/**
 * Each sample holds until the next one; the last holds until `endMs` (or counts as an
 * instant when endMs is unbounded). A single sample, or samples all at one instant, give
 * the plain mean.
 */
export function timeWeightedMean(samples: readonly QueueLengthSample[], endMs = Number.POSITIVE_INFINITY): number {
  if (samples.length === 0) return 0
  let area = 0
  let span = 0
  for (let i = 0; i < samples.length; i++) {
    const next = i + 1 < samples.length ? samples[i + 1].tMs : Number.isFinite(endMs) ? endMs : samples[i].tMs
    const dt = Math.max(0, next - samples[i].tMs)
    area += samples[i].length * dt
    span += dt
  }
  if (span === 0) return samples.reduce((sum, p) => sum + p.length, 0) / samples.length
  return area / span
}

export function maxLength(samples: readonly QueueLengthSample[]): number {
  let max = 0
  for (const p of samples) if (p.length > max) max = p.length
  return max
}
