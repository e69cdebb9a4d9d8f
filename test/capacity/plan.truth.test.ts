// Wall-clock truths for `mqkit plan` on memory://, where the queue is known: Poisson arrivals,
// exponential handling in sleep mode, prefetch 1, so c consumers are an M/M/c queue.
//
// Variance, which decides what can be asserted in ~90 s on two shared cores: the mean wait of an
// M/M/c run is a mean of strongly autocorrelated samples; simulated, its relative standard
// deviation over a 10 s run is ~15 % at every utilisation tested here (ρ 0.85 with c = 8 relaxes
// faster than ρ 0.5 with c = 2, at more messages a second), and evaluating the formula at the run's
// own λ and T̄ removes little of it. A raw "within 10 % of Erlang C" would fail about half the
// time at any run length affordable here. So each run is also fed, message by message, to an
// ideal FCFS c-server queue (the same send times, the same measured handling times): that queue's
// mean wait is an unbiased M/M/c sample whose expectation is the formula, and it shares the run's
// sampling noise. measured − ideal is the control variate: the estimate formula + (measured −
// ideal) must be within 10 % of the formula, i.e. the broker and consumers behave as an M/M/c
// queue; the raw measured mean must be within 50 % of the formula (over 3σ of sampling noise on a
// quiet machine), which catches an error in the formula or its inputs that the ideal queue would
// share. CPU contention from other processes makes handling times slow down together, in bursts,
// which no i.i.d. model describes: a run whose event loop was delayed more than
// DISTURBED_LOOP_DELAY_MS at p99 (quiet runs of these workloads stay under ~3.5 ms on the 2-core
// machine; runs beside other test suites reached 5–25 ms) measured the machine, not the queue, and
// is repeated once, whatever its outcome; the repeat stands. Each line printed carries the load
// average and the event-loop delay.
import os from 'node:os'
import {afterEach, describe, expect, it} from 'vitest'
import {defaultBenchOptions, type BenchOptions} from '../../src/bench/options.js'
import type {BenchResult} from '../../src/results/document.js'
import {BenchRunner} from '../../src/bench/runner.js'
import {nowNs} from '../../src/bench/clock.js'
import {stampActualNs} from '../../src/bench/message/stamp.js'
import {parsePlanSlo, planConsumers, type PlanInputs} from '../../src/capacity/plan.js'
import {calibrationOptions, measuredFigures, verifyOptions, verifyRun, type PlanWorkload} from '../../src/capacity/plan-measure.js'
import {waitFigures, waitQuantile} from '../../src/capacity/queueing.js'
import {createDriver} from '../../src/drivers/index.js'
import type {Driver, MessageHandler} from '../../src/drivers/types.js'

const HANDLING_MS = 5
const DISTURBED_LOOP_DELAY_MS = 5

/** A small seeded generator (mulberry32): the same seed, the same arrivals and handling draws. */
function seeded(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const realRandom = Math.random
afterEach(() => {
  Math.random = realRandom
})

interface Observed {
  sendNs: number
  receiptNs: number
  ackNs: number
}

/**
 * Runs bench on memory:// with Math.random seeded; `observed` gets every delivery's send, receipt
 * and ack. A run disturbed by other processes is repeated once (see the top of the file).
 */
async function bench(options: BenchOptions, seed: number, observed?: Observed[]): Promise<BenchResult> {
  const first = await benchOnce(options, seed, observed)
  const delayMs = first.health.eventLoopDelay.p99Ms
  if (delayMs <= DISTURBED_LOOP_DELAY_MS) return first
  console.log(`  (run with ${options.consumers} consumers disturbed: ${machine(first)}; repeating it once)`)
  observed?.splice(0)
  return benchOnce(options, seed, observed)
}

async function benchOnce(options: BenchOptions, seed: number, observed?: Observed[]): Promise<BenchResult> {
  Math.random = seeded(seed)
  const runner = new BenchRunner(options, {
    url: 'memory://',
    clientName: 'plan truth',
    mqkitVersion: 'test',
    makeDriver: async (role) => {
      const driver = await createDriver('memory://', {clientName: `plan truth ${role}`})
      return role === 'consumer' && observed ? observing(driver, observed) : driver
    },
  })
  try {
    return await runner.run()
  } finally {
    Math.random = realRandom
  }
}

function observing(driver: Driver, observed: Observed[]): Driver {
  const consume = driver.consume.bind(driver)
  const wrapped: Driver['consume'] = (queue, options, handler: MessageHandler) =>
    consume(queue, options, (delivery) => {
      const record: Observed = {sendNs: stampActualNs(delivery.body), receiptNs: nowNs(), ackNs: 0}
      observed.push(record)
      const ack = delivery.ack.bind(delivery)
      return handler(
        Object.assign(Object.create(delivery), {
          ack: () => {
            record.ackNs = nowNs()
            return ack()
          },
        }),
      )
    })
  return new Proxy(driver, {get: (target, property, receiver) => (property === 'consume' ? wrapped : Reflect.get(target, property, receiver))})
}

/** Mean wait of an ideal FCFS queue with `servers` handlers fed the observed messages (send order). */
function idealQueueMeanWaitMs(observed: Observed[], servers: number, fromNs: number): {meanWaitMs: number; measuredMs: number; count: number} {
  const messages = [...observed].sort((a, b) => a.sendNs - b.sendNs)
  const freeAtNs = new Array<number>(servers).fill(Number.NEGATIVE_INFINITY)
  let idealSumNs = 0
  let measuredSumNs = 0
  let count = 0
  for (const m of messages) {
    let next = 0
    for (let k = 1; k < servers; k++) if (freeAtNs[k] < freeAtNs[next]) next = k
    const startNs = Math.max(m.sendNs, freeAtNs[next])
    freeAtNs[next] = startNs + (m.ackNs - m.receiptNs)
    if (m.sendNs < fromNs) continue
    idealSumNs += startNs - m.sendNs
    measuredSumNs += m.receiptNs - m.sendNs
    count++
  }
  return {meanWaitMs: idealSumNs / count / 1e6, measuredMs: measuredSumNs / count / 1e6, count}
}

const MMC_CASES = [
  {utilisation: 0.5, consumers: 2, seed: 11},
  {utilisation: 0.7, consumers: 4, seed: 12},
  {utilisation: 0.85, consumers: 8, seed: 13},
]

describe('plan truth on memory:// (Poisson arrivals, exponential handling, prefetch 1)', () => {
  for (const {utilisation, consumers, seed} of MMC_CASES) {
    it(`ρ ${utilisation} with ${consumers} consumers: the measured mean wait is the M/M/c formula's`, async () => {
      const perSecond = (utilisation * consumers * 1000) / HANDLING_MS
      const observed: Observed[] = []
      const warmupMs = 1000
      const result = await bench(
        defaultBenchOptions({
          consumers,
          prefetch: 1,
          rate: [{perSecond}],
          arrivals: 'poisson',
          work: {kind: 'exponential', meanMs: HANDLING_MS},
          durationMs: 10_000,
          warmupMs,
          sizeBytes: 64,
        }),
        seed,
        observed,
      )
      const firstSendNs = Math.min(...observed.map((m) => m.sendNs))
      const ideal = idealQueueMeanWaitMs(observed, consumers, firstSendNs + warmupMs * 1e6)
      // The formula at the run's own rate and handling time (what plan would be given).
      const model = {servers: consumers, arrivalRate: result.throughput.published.perSecond / 1000, meanHandling: result.handling.mean}
      const formulaMs = waitFigures(model).meanWait
      const measuredMs = ideal.measuredMs
      const controlVariateMs = formulaMs + (measuredMs - ideal.meanWaitMs)
      console.log(
        `ρ ${utilisation} c ${consumers}: ${ideal.count} msgs, λ ${result.throughput.published.perSecond.toFixed(0)}/s, T̄ ${result.handling.mean.toFixed(3)} ms (cs² ${((result.handling.stdev / result.handling.mean) ** 2).toFixed(2)}), ` +
          `ρ measured ${waitFigures(model).utilisation.toFixed(3)}; Wq: M/M/c ${formulaMs.toFixed(3)} ms, measured ${measuredMs.toFixed(3)} ms (bench e2e mean ${result.latency.endToEnd.mean.toFixed(3)}), ` +
          `ideal queue ${ideal.meanWaitMs.toFixed(3)} ms; measured/ideal ${(measuredMs / ideal.meanWaitMs).toFixed(3)}, control-variate estimate ${controlVariateMs.toFixed(3)} ms (${pct(controlVariateMs, formulaMs)}), raw ${pct(measuredMs, formulaMs)}; ${machine(result)}`,
      )
      expect(ideal.count).toBeGreaterThan(0.9 * perSecond * 10)
      expect(Math.abs(controlVariateMs - formulaMs) / formulaMs).toBeLessThan(0.1)
      expect(Math.abs(measuredMs - formulaMs) / formulaMs).toBeLessThan(0.5)
    })
  }

  it('plan picks the c that runs show to meet the SLO, with c − 1 missing it, in at least 4 of 5 seeded scenarios', async () => {
    const workload: PlanWorkload = {work: {kind: 'exponential', meanMs: HANDLING_MS}, workMode: 'sleep', prefetch: 1, sizeBytes: 64, maxSizeBytes: 64}
    const calibration = await bench(calibrationOptions(workload, 3000), 100)
    const figures = measuredFigures(calibration, 'calibration')
    console.log(
      `calibration: T̄ ${figures.handling.meanMs.toFixed(3)} ms, stdev ${figures.handling.stdevMs.toFixed(3)} ms, ${figures.handling.count} msgs; delivery mean ${figures.delivery.meanMs.toFixed(3)} ms; ${machine(calibration)}`,
    )
    let matched = 0
    for (let seed = 1; seed <= 5; seed++) {
      const scenario = scenarioFor(seed)
      const slo = parsePlanSlo(scenario.slo)
      const inputs: PlanInputs = {
        ratePerSecond: scenario.ratePerSecond,
        arrivals: 'poisson',
        handling: figures.handling,
        workMode: 'sleep',
        prefetch: 1,
        delivery: figures.delivery,
        slo,
      }
      const c = planConsumers(inputs).plan.consumers
      const runs = []
      const health: string[] = []
      for (const consumers of [c - 1, c]) {
        const result = await bench(verifyOptions(workload, consumers, scenario.ratePerSecond, 'poisson', 4000), 1000 * seed + consumers)
        runs.push(verifyRun(result, inputs, consumers))
        health.push(`c ${consumers}: ${machine(result)}`)
      }
      const [fewer, planned] = runs
      const ok = planned.measured.meetsSlo && !fewer.measured.meetsSlo
      if (ok) matched++
      const show = (run: (typeof runs)[number]) =>
        `c ${run.consumers}: ρ ${run.predicted.utilisation.toFixed(2)}/${run.measured.utilisation.toFixed(2)}, ${slo.stat} ${fmt(run.predicted.sloValueMs)}/${fmt(run.measured.sloValueMs)} ms (${run.measured.meetsSlo ? 'meets' : 'misses'})`
      console.log(
        `scenario ${seed}: ${scenario.ratePerSecond.toFixed(0)}/s ${scenario.slo}, designed c ${scenario.designedConsumers}, plan c ${c}; predicted/measured ${show(fewer)}; ${show(planned)} → ${ok ? 'match' : 'MISMATCH'} (${health.join('; ')})`,
      )
    }
    console.log(`plan matched the runs in ${matched} of 5 scenarios`)
    expect(matched).toBeGreaterThanOrEqual(4)
    // Five scenarios of a 3 s calibration and two runs each: ~52 s on Node 20 here, over the default 60 s on Node 24.
  }, 150_000)
})

/**
 * A scenario from a seed: a consumer count c* of 3–8, a rate putting c* at utilisation 0.55–0.8,
 * and an SLO on the mean, p90 or p99 between the nominal predictions for c* and c* − 1 (geometric
 * middle), kept only when those differ threefold and c* − 1 is below ρ 0.93: a 4 s run at either
 * count then lands on its side of the SLO in ≥ 96 % of simulated runs, so a mismatch is the model's
 * or the system's, not chance.
 */
function scenarioFor(seed: number): {ratePerSecond: number; slo: string; designedConsumers: number} {
  const random = seeded(seed * 0x9e3779b1)
  for (;;) {
    const designed = 3 + Math.floor(random() * 6)
    const utilisation = 0.55 + random() * 0.25
    const stat = (['mean', 'p90', 'p99'] as const)[Math.floor(random() * 3)]
    const ratePerSecond = (utilisation * designed * 1000) / HANDLING_MS
    const nominal = (servers: number) => {
      const model = {servers, arrivalRate: ratePerSecond / 1000, meanHandling: HANDLING_MS}
      return stat === 'mean' ? waitFigures(model).meanWait : waitQuantile(model, stat === 'p90' ? 0.9 : 0.99)
    }
    const fewer = nominal(designed - 1)
    const planned = nominal(designed)
    if ((ratePerSecond / 1000) * HANDLING_MS >= 0.93 * (designed - 1) || planned <= 0 || fewer / planned < 3) continue
    return {ratePerSecond, slo: `e2e.${stat}<=${Math.sqrt(fewer * planned).toFixed(2)}ms`, designedConsumers: designed}
  }
}

/** How busy the machine and the run's event loop were: contention shows here first. */
function machine(result: BenchResult): string {
  const [load] = os.loadavg()
  return `load ${load.toFixed(2)}, event-loop delay p99 ${result.health.eventLoopDelay.p99Ms.toFixed(1)} ms`
}

function pct(value: number, reference: number): string {
  const change = ((value - reference) / reference) * 100
  return `${change >= 0 ? '+' : ''}${change.toFixed(1)} %`
}

function fmt(ms: number | null): string {
  return ms === null ? '∞' : ms.toFixed(2)
}
