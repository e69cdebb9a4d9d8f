// Progress of a capacity search on stderr: a live line per step on a terminal, and one line per
// finished step (kept in the scrollback, and the only lines on a pipe).
import type {EventEmitter} from 'node:events'
import type {IntervalStats} from '../bench/measurements.js'
import {progressLine, type ProgressStream} from '../bench/render/progress.js'
import {formatMillis, formatRate} from '../output/format.js'
import type {StepStart} from './run.js'
import type {StepRecord} from '../results/capacity.js'

export function stepLine(step: StepRecord): string {
  const p99 = step.latency ? `p99 ${formatMillis(step.latency.p99Ms)}` : 'p99 -'
  const verdict = step.passed ? 'pass' : `FAIL: ${step.reasons.join('; ')}`
  return `step ${step.index} ${step.phase} ${formatRate(step.targetPerSecond)}: published ${formatRate(step.achievedPerSecond)}, ${p99} → ${verdict}`
}

export function attachCapacityProgress(runner: EventEmitter, stream: ProgressStream, quiet: boolean): () => void {
  if (quiet) return () => {}
  let current: StepStart | undefined
  let live = false
  const clear = () => {
    if (live) stream.write('\r\u001B[2K')
    live = false
  }
  runner.on('step-start', (start: StepStart) => {
    current = start
  })
  runner.on('tick', (stats: IntervalStats) => {
    if (!stream.isTTY || !current) return
    stream.write(
      `\r\u001B[2Kstep ${current.index} ${current.phase} ${formatRate(current.ratePerSecond)}  ${progressLine(stats, current.stepMs, current.settleMs)}`,
    )
    live = true
  })
  runner.on('step', (step: StepRecord) => {
    clear()
    stream.write(`${stepLine(step)}\n`)
  })
  return clear
}
