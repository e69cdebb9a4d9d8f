// `mqkit plan` through the real CLI (bin/run.js over dist/; `npm run build` first), and its
// renderer on a fixed plan. The wall-clock truths are in plan.truth.test.ts.
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import type {BenchResult} from '../../src/results/document.js'
import {renderPlan} from '../../src/capacity/plan-render.js'
import {parsePlanSlo, planConsumers, type PlanInputs} from '../../src/capacity/plan.js'
import {waitFigures, waitQuantile} from '../../src/capacity/queueing.js'
import {runCli} from '../helpers/cli.js'
import {fixture, OPEN_LOOP_FILE} from '../report/fixtures.js'

const dir = mkdtempSync(path.join(os.tmpdir(), 'mqkit-plan-cli-'))
afterAll(() => rmSync(dir, {recursive: true, force: true}))

function errorLines(stderr: string): string[] {
  return stderr.split('\n').filter((line) => line.startsWith('mqkit:') && !line.startsWith('mqkit: note:') && !/^mqkit: (calibrating|verifying):/.test(line))
}

/**
 * A saved open-loop run with exponential 5 ms handling (cs² = 1), 8 consumers at prefetch 1 at
 * 320 msg/s (utilisation 0.2), and a delivery time of 0.05 ms: a result whose plan is known.
 */
function resultWithHandling(): BenchResult {
  const base = fixture(OPEN_LOOP_FILE)
  const summary = (mean: number, stdev: number) => ({
    count: 1600,
    mean,
    stdev,
    min: mean / 10,
    p50: mean,
    p75: mean,
    p90: mean,
    p95: mean,
    p99: mean,
    p99_9: mean,
    p99_99: mean,
    max: mean,
  })
  return {
    ...base,
    workload: {
      ...base.workload,
      consumers: 8,
      prefetch: 1,
      work: {kind: 'exponential', meanMs: 5},
      workMode: 'sleep',
      arrivals: 'poisson',
      rate: [{perSecond: 320}],
    },
    throughput: {...base.throughput, consumed: {...base.throughput.consumed, count: 1600, perSecond: 320}},
    handling: summary(5, 5),
    latency: {...base.latency, endToEndCorrected: summary(0.05, 0), endToEnd: summary(0.05, 0)},
  }
}

const WITH_HANDLING = path.join(dir, 'with-handling.json')
writeFileSync(WITH_HANDLING, JSON.stringify(resultWithHandling()))

describe('mqkit plan (CLI)', () => {
  it('from a saved result: the smallest c whose predicted latency meets the SLO; --json carries plan.consumers, utilisation, predicted', async () => {
    const r = await runCli(['plan', WITH_HANDLING, '--rate', '1000', '--slo', 'e2e.mean<=1ms', '--json'])
    expect(r.code, r.stderr).toBe(0)
    const facts = JSON.parse(r.stdout)
    // 5 Erlangs, Poisson and exponential (factor 1): the independent check with Erlang C. The
    // saved run's latency is delivery alone but for its own tiny wait at utilisation 0.2.
    const deliveryMs = facts.inputs.delivery.meanMs
    expect(deliveryMs).toBeGreaterThan(0.049)
    expect(deliveryMs).toBeLessThan(0.05)
    const latency = (c: number) => deliveryMs + waitFigures({servers: c, arrivalRate: 1, meanHandling: 5}).meanWait
    const c = facts.plan.consumers
    expect(latency(c)).toBeLessThanOrEqual(1)
    expect(latency(c - 1)).toBeGreaterThan(1)
    expect(c).toBe(7)
    expect(facts.plan.utilisation).toBeCloseTo(5 / 7, 6)
    expect(facts.plan).not.toHaveProperty('measured')
    // 1600 exponential samples: T̄ to ±0.25 ms, enough to move the answer by one.
    expect(facts.plan.consumersRange.low).toBeLessThanOrEqual(c)
    expect(facts.plan.consumersRange.high).toBeGreaterThanOrEqual(c)
    expect(Object.keys(facts.plan.predicted).sort()).toEqual(
      ['consumers', 'meanWaitMs', 'meetsSlo', 'percentile', 'percentileWaitMs', 'probabilityOfWaiting', 'servers', 'sloValueMs', 'utilisation'].sort(),
    )
    expect(facts.inputs.handling).toMatchObject({meanMs: 5, stdevMs: 5, scv: 1, count: 1600})
    expect(facts.inputs).toMatchObject({ratePerSecond: 1000, arrivals: 'poisson', workMode: 'sleep', prefetch: 1, handlersPerConsumer: 1, correction: 1})
    expect(facts.neighbours.map((p: {consumers: number}) => p.consumers)).toEqual([6, 7, 8])
    expect(facts.slo).toEqual({expression: 'e2e.mean<=1ms', stat: 'mean', operator: '<=', thresholdMs: 1})
  })

  it('prints the plan, the figures it used and the neighbouring counts as tables', async () => {
    const r = await runCli(['plan', WITH_HANDLING, '--rate', '1000', '--slo', 'p99<20ms'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/^mqkit plan: \d+ consumers for 1000 \/s \(poisson\) with p99<20ms( \(\d+–\d+ within T̄ ± 2 standard errors\))?$/m)
    expect(r.stdout).toContain('handling time  mean 5.00 ms ± 250 µs, stdev 5.00 ms (cs² 1.00), 1,600 messages')
    expect(r.stdout).toContain('M/M/c (Erlang C) waits × Allen–Cunneen (ca² + cs²)/2 = 1.00')
    expect(r.stdout).toMatch(/│ +\d+ ← │/)
  })

  it('bad input is a one-line usage error (exit 2) naming the flag and value', async () => {
    const open = OPEN_LOOP_FILE
    const cases: Array<[string[], RegExp]> = [
      [['plan', '--rate', '100', '--slo', 'p99 fifty', '--work', '5ms'], /^mqkit: --slo must look like .*got "p99 fifty"$/],
      [['plan', '--rate', '100', '--slo', 'p99<<5', '--work', '5ms'], /^mqkit: --slo p99 must be a duration .*got "<5"$/],
      [
        ['plan', '--rate', '100', '--slo', 'throughput>=100', '--work', '5ms'],
        /^mqkit: --slo must bound end-to-end latency's mean or a percentile .*got "throughput>=100"$/,
      ],
      [['plan', '--rate', '100', '--slo', 'handling.p99<5ms', '--work', '5ms'], /^mqkit: --slo must bound end-to-end latency/],
      [['plan', '--rate', '100', '--slo', 'p99>5ms', '--work', '5ms'], /^mqkit: --slo must be an upper bound \(< or <=\), got "p99>5ms"$/],
      [['plan', '--rate', 'fast', '--slo', 'p99<5ms', '--work', '5ms'], /^mqkit: --rate must be a number ≥ 0.001, got "fast"$/],
      [['plan', '--rate', '100', '--slo', 'p99<5ms'], /^mqkit: no handling-time data: give --work/],
      [['plan', open, '--rate', '100', '--slo', 'p99<5ms'], /^mqkit: .*open-loop\.json: no handling-time data \(the run had no --work\)/],
      [['plan', WITH_HANDLING, '--rate', '100', '--slo', 'p99<5ms', '--work', '5ms'], /^mqkit: --work cannot be used with a result file/],
      [['plan', '--rate', '100', '--slo', 'p99<5ms', '--work', '5ms', '--work-mode', 'spin', '--verify'], /^mqkit: --verify needs --work-mode sleep/],
      [
        ['plan', WITH_HANDLING, '--rate', '1000', '--slo', 'e2e.p99<0.01ms'],
        /^mqkit: --slo "e2e.p99<0.01ms" cannot be met by adding consumers: delivery alone .* has p99 0.050 ms$/,
      ],
    ]
    for (const [args, message] of cases) {
      const r = await runCli(args)
      expect(r.code, args.join(' ')).toBe(2)
      expect(errorLines(r.stderr), `${args.join(' ')}\n${r.stderr}`).toHaveLength(1)
      expect(errorLines(r.stderr)[0], args.join(' ')).toMatch(message)
      expect(r.stdout).toBe('')
    }
    const json = await runCli(['plan', '--rate', '100', '--slo', 'p99<<5', '--work', '5ms', '--json'])
    expect(json.code).toBe(2)
    expect(JSON.parse(json.stdout)).toMatchObject({error: {code: 'USAGE', exitCode: 2}})
  })

  it('calibrates with a short bench, then --verify runs bench with c − 1 and c consumers (JSON plan.measured)', async () => {
    const r = await runCli(
      [
        'plan',
        '--rate',
        '400',
        '--slo',
        // Loose: this checks calibrate-then-verify, not a tight SLO; on memory:// under a busy CI
        // run, delivery alone (event-loop stalls) reached a p99 of 42 ms and a 40 ms SLO was refused.
        'e2e.p99<=200ms',
        '--work',
        'exp:5ms',
        '--prefetch',
        '1',
        '--calibration',
        '1s',
        '--verify',
        '--verify-duration',
        '1s',
        '--json',
      ],
      {timeoutMs: 30_000},
    )
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toMatch(/^mqkit: calibrating: 1\.00 s at 640 \/s with 16 consumer\(s\), prefetch 1/m)
    expect(r.stderr).toMatch(/^mqkit: verifying: 1\.00 s at 400 \/s \(poisson\) with \d+ consumer\(s\)/m)
    const facts = JSON.parse(r.stdout)
    const c = facts.plan.consumers
    expect(facts.inputs.handling.source).toMatch(/^calibration/)
    expect(facts.inputs.handling.meanMs).toBeGreaterThan(4)
    expect(facts.plan.measured.map((run: {consumers: number}) => run.consumers)).toEqual([c - 1, c].filter((n) => n >= 1))
    for (const run of facts.plan.measured) {
      expect(run.measured.messages).toBeGreaterThan(200)
      expect(Object.keys(run.measured).sort()).toEqual(
        ['handlingMeanMs', 'meanMs', 'messages', 'meetsSlo', 'ratePerSecond', 'sloValueMs', 'utilisation'].sort(),
      )
      expect(run.predicted.consumers).toBe(run.consumers)
    }
  })
})

describe('plan model and renderer', () => {
  const inputs = (slo: string, overrides: Partial<PlanInputs> = {}): PlanInputs => ({
    ratePerSecond: 1000,
    arrivals: 'poisson',
    handling: {source: 'fixture', count: 2000, meanMs: 5, stdevMs: 5, scv: 1},
    workMode: 'sleep',
    prefetch: 1,
    delivery: {meanMs: 0, distribution: null},
    slo: parsePlanSlo(slo),
    ...overrides,
  })

  it('a percentile SLO: the least c whose Erlang C percentile meets it', () => {
    const facts = planConsumers(inputs('e2e.p99<=10ms'))
    const p99 = (c: number) => waitQuantile({servers: c, arrivalRate: 1, meanHandling: 5}, 0.99)
    expect(p99(facts.plan.consumers)).toBeLessThanOrEqual(10)
    expect(p99(facts.plan.consumers - 1)).toBeGreaterThan(10)
  })

  it('prefetch is handlers per consumer in sleep mode; spin mode is one per consumer', () => {
    const sleep = planConsumers(inputs('e2e.mean<1ms', {prefetch: 4}))
    const spin = planConsumers(inputs('e2e.mean<1ms', {prefetch: 4, workMode: 'spin'}))
    expect(sleep.plan.servers).toBe(sleep.plan.consumers * 4)
    expect(spin.plan.servers).toBe(spin.plan.consumers)
    expect(spin.plan.consumers).toBe(7)
    expect(sleep.plan.consumers).toBe(2)
  })

  it('uniform arrivals and constant handling wait less than Poisson and exponential (Allen–Cunneen)', () => {
    const smooth = planConsumers(inputs('e2e.mean<0.5ms', {arrivals: 'uniform', handling: {source: 'fixture', count: 2000, meanMs: 5, stdevMs: 0, scv: 0}}))
    const rough = planConsumers(inputs('e2e.mean<0.5ms'))
    expect(smooth.inputs.correction).toBe(0)
    expect(smooth.plan.consumers).toBe(6)
    expect(rough.plan.consumers).toBeGreaterThan(smooth.plan.consumers)
  })

  it('renders the figures used, the neighbours table and the verify table', () => {
    const facts = planConsumers(inputs('e2e.mean<=1ms'))
    const text = renderPlan(facts)
    expect(text.split('\n')[0]).toBe('mqkit plan: 7 consumers for 1000 /s (poisson) with e2e.mean<=1ms (7–8 within T̄ ± 2 standard errors)')
    expect(text).toContain('concurrency    sleep mode, prefetch 1: 1 handler per consumer')
    expect(text).toContain('delivery       mean 0 µs, taken as constant')
    expect(text).toMatch(/│ +6 │ +6 │ +0\.83 │ .* │ misses │/)
    expect(text).toMatch(/│ +7 ← │ +7 │ +0\.71 │ .* │ meets +│/)
    const measured = {messages: 4000, ratePerSecond: 1000, handlingMeanMs: 5.1, utilisation: 0.73, meanMs: 0.9, sloValueMs: 0.9, meetsSlo: true}
    facts.plan.measured = [{consumers: 7, predicted: facts.plan.predicted, measured}]
    expect(renderPlan(facts)).toMatch(/│ +7 │ +4,000 │ 5\.00 ms \/ 5\.10 ms │ 0\.71 \/ 0\.73 │ 810 µs \/ 900 µs │ meets +│ meets +│/)
  })
})
