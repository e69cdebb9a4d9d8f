// The words of a bench run's warnings: the runner and the result hold the facts (figures, events,
// fault commands that never ran), and this module says what a reader must know about them. The
// result document keeps the sentences in health.warnings, so --json, the tables and the HTML report
// show the same ones.
import {formatMillis} from '../../output/format.js'
import type {RunEvent} from '../../results/availability.js'
import type {BenchResult} from '../../results/document.js'
import type {FaultSpec} from '../faults/fault.js'

/** What happened to a run that its result does not hold, or holds only in part. */
export interface RunFacts {
  /** Connection losses, reconnects and fault commands, in the order they happened. */
  events: readonly RunEvent[]
  /** Fault commands cancelled because the run ended before their time. */
  faultsNotRun: readonly FaultSpec[]
}

/**
 * The warnings a run's result carries (health.warnings, shown under the tables and in --json):
 * those about a --recover / --fault-cmd run's accounting when it has an availability section, then
 * those about the load generator.
 */
export function runWarnings(result: BenchResult, facts: RunFacts): string[] {
  return [...(result.availability ? recoveryWarnings(result, facts) : []), ...healthWarnings(result)]
}

/** What a reader of a --recover / --fault-cmd run must know to trust its accounting. */
function recoveryWarnings(result: BenchResult, {events, faultsNotRun}: RunFacts): string[] {
  const warnings: string[] = []
  const w = result.workload
  if (result.meta.backend === 'amqp' && !w.persistent && w.queueType !== 'quorum' && w.queueType !== 'stream') {
    warnings.push(
      'messages were transient on a non-durable queue (no --persistent): a broker restart drops them by design, and they count as confirmed and lost',
    )
  }
  for (const event of events) {
    if (event.kind === 'reconnected' && event.redeclared) {
      warnings.push(
        `${event.role} ${event.index} found ${event.redeclared.map((q) => `"${q}"`).join(', ')} gone after reconnecting and declared it again: what it held was lost with it`,
      )
    }
    if (event.kind === 'fault-ended' && event.exitCode !== 0) {
      warnings.push(
        `fault command "${event.command}" ${event.signal ? `was ended by ${event.signal}` : `exited ${event.exitCode ?? '(could not start)'}`}: the fault may not have happened as planned`,
      )
    }
  }
  for (const fault of faultsNotRun) warnings.push(`fault command "${fault.command}" planned at ${formatMillis(fault.atMs)} never ran: the run ended first`)
  return warnings
}

/** When the load generator, not the broker, may be what the figures describe. */
export function healthWarnings(result: BenchResult): string[] {
  const warnings: string[] = []
  const h = result.health
  if (h.eventLoopDelay.p99Ms > 20) {
    warnings.push(`mqkit's event loop was delayed up to ${h.eventLoopDelay.p99Ms.toFixed(1)} ms (p99): latencies include load-generator delay`)
  }
  const target = result.throughput.targetPerSecond
  if (target !== null && result.throughput.published.perSecond < target * 0.98) {
    warnings.push(
      `published ${result.throughput.published.perSecond.toFixed(0)} msg/s against a target of ${target}: mqkit or the broker fell behind the schedule`,
    )
  }
  if (h.scheduleLagP99Ms !== null && h.scheduleLagP99Ms > 5) {
    warnings.push(`sends left up to ${h.scheduleLagP99Ms.toFixed(1)} ms late (p99): the corrected latency accounts for it, the raw one does not`)
  }
  // Spinning to exact deadlines (open-loop sends, sleep-mode handlers) shows as busy CPU but
  // yields to every other callback: it is waiting, not load.
  const busyPercent = h.cpuPercent - (h.precisionWaitPercent ?? 0)
  if (busyPercent > 90) {
    warnings.push(
      `mqkit used ${h.cpuPercent.toFixed(0)} % of a CPU core: the load generator may be the bottleneck${result.meta.backend === 'memory' ? ' (memory:// runs the broker in the same process)' : ''}`,
    )
  }
  if (result.latency.clock === 'wall') warnings.push(wallClockWarning(result.latency.negativeClockSamples))
  else if (result.latency.negativeClockSamples > 0) {
    warnings.push(`${result.latency.negativeClockSamples} latency samples were negative (clock difference between hosts): counted, not recorded`)
  }
  const q = result.queueLength
  const ll = result.littlesLaw
  if (q.samples >= 5 && q.max === 0 && ll.lambdaW >= 1) {
    // Seen on memory://, whose broker delivers what a burst published within the same event-loop
    // turn: the sampler (a timer) only ever runs between turns, when the queue is empty again.
    warnings.push(
      `the queue was empty at all ${q.samples} samples while λW says ${ll.lambdaW.toFixed(1)} messages were in the system on average: they came and went between samples${result.meta.backend === 'memory' ? ' (memory:// delivers within one event-loop turn, and the sampler runs between turns)' : ''}, so these samples cannot check Little's law`,
    )
  }
  if (result.meta.backend === 'kafka' && ll.relativeError !== null && Math.abs(ll.relativeError) > 0.2 && q.samples >= 5) {
    // W runs until the commit after each ack lands, as the lag does. What is left: W is timed from
    // confirms and commits as mqkit's event loop sees them, late by up to its delay, while the lag
    // is the broker's; and each lag sample reads end offsets and commits in separate requests.
    // (How far off it runs at which W: docs/performance.md.)
    warnings.push(
      `Little's law is off by ${(ll.relativeError * 100).toFixed(0)} %: on kafka:// the queue length is the group's lag, and W (${formatMillis(ll.wMs)}) is short next to mqkit's event-loop delay (p99 ${formatMillis(h.eventLoopDelay.p99Ms)}), which makes confirms and commits look late: the check is loose at this W`,
    )
  }
  return warnings
}

/** --shared-queues: what end-to-end latencies taken across hosts' wall clocks are worth. */
export function wallClockWarning(negativeSamples: number): string {
  return `end-to-end latencies were taken on the hosts' wall clocks (--shared-queues: a message sent on one host may be received on another), so they include the offset between the hosts' clocks and are only as good as their clock sync${negativeSamples > 0 ? `; ${negativeSamples} readings were negative (the receiver's clock behind the sender's): counted, and recorded as 0` : ''}`
}
