// `bench --find-max` / `--sweep` through the real CLI on memory://: short steps, every exit code
// the README gives a search, the JSON shape, progress on stderr only, the HTML sections.
import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {spawn} from 'node:child_process'
import {describe, expect, it, onTestFinished} from 'vitest'
import {BIN, runCli} from '../helpers/cli.js'
import {capacityFailure} from '../../src/capacity/failure.js'
import type {CapacitySection} from '../../src/results/capacity.js'

const FAST = ['--step-duration', '500ms', '--settle', '200ms']

describe('mqkit bench --find-max (CLI)', () => {
  it('a ceiling that passes: exit 0, JSON capacity section, the document is the confirmation step', async () => {
    // 2 s steps: a step passes at 95 % published, and 5 % of a 500 ms step is a 25 ms stall, which
    // a machine busy with other test files gives the generator now and then.
    const r = await runCli(['bench', '--find-max', '--start-rate', '200', '--max-rate', '400', '--step-duration', '2s', '--settle', '200ms', '--json'])
    expect(r.code, r.stderr).toBe(0)
    const result = JSON.parse(r.stdout)
    expect(result.capacity).toMatchObject({status: 'ceiling', maxRate: 400, limitedBy: null, failingRate: null, contradictions: []})
    expect(result.capacity.steps.map((s: {targetPerSecond: number; phase: string}) => `${s.phase} ${s.targetPerSecond}`)).toEqual([
      'bracket 200',
      'bracket 400',
      'confirm 400',
    ])
    expect(Object.keys(result.capacity.steps[0]).sort()).toEqual(
      [
        'achievedPerSecond',
        'backlogSlopePerSecond',
        'consumed',
        'consumedPerSecond',
        'generator',
        'handlingMeanMs',
        'index',
        'latency',
        'limitedBy',
        'measuredMs',
        'passed',
        'phase',
        'published',
        'reasons',
        'slo',
        'targetPerSecond',
      ].sort(),
    )
    expect(result.workload.rate).toEqual([{perSecond: 400}])
    expect(result.integrity.lost).toBe(0)
    expect(r.stderr).toBe('')
  })

  it('no rate passes: exit 10 after the steps table, which says why each failed', async () => {
    const r = await runCli(['bench', '--find-max', '--slo', 'e2e.p99<0.0000001ms', '--start-rate', '8', ...FAST])
    expect(r.code, r.stderr).toBe(10)
    expect(r.stdout).toMatch(/NO SUSTAINABLE RATE within e2e.p99<0.0000001ms/)
    expect(r.stdout).toMatch(/#1 8\.0 \/s: SLO e2e.p99<0.0000001ms missed/)
    expect(r.stderr).toMatch(/^step 1 bracket 8\.0 \/s: .*FAIL/m)
    expect(r.stderr).toMatch(/mqkit: capacity search: no rate passed, down to 1 msg\/s/)
  })

  it.each([
    [['--find-max', '--slo', 'p99 is low'], /^mqkit: --slo must look like/],
    [['--find-max', '--rate', '100'], /^mqkit: --rate cannot be used with --find-max or --sweep: use --start-rate/],
    [['--find-max', '--duration', '10s'], /--step-duration/],
    [['--sweep', '10%,,20%'], /^mqkit: --sweep must be a comma-separated list/],
    [['--sweep', '0%'], /^mqkit: --sweep/],
    [['--slo', 'e2e.p99<50ms'], /^mqkit: --slo only applies with --find-max or --sweep/],
    [['--find-max', '--precision', '90%'], /^mqkit: --precision/],
    [['--find-max', '--start-rate', '500', '--max-rate', '100'], /--start-rate \(500\) must not be above --max-rate \(100\)/],
    [['--find-max', '--step-duration', '100ms'], /--step-duration must be at least 500ms/],
  ])('bad input %j: exit 2, one line', async (args, message) => {
    const r = await runCli(['bench', ...args])
    expect(r.code, r.stderr).toBe(2)
    expect(r.stderr).toMatch(message)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stdout).toBe('')
  })

  it('--sweep with rates alone: a curve with its knee, no search; --ndjson streams the steps', async () => {
    const r = await runCli(['bench', '--sweep', '100,200', '--work', '2ms', '--consumers', '1', '--prefetch', '1', ...FAST, '--ndjson', '--quiet'])
    expect(r.code, r.stderr).toBe(0)
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
    expect(lines.map((l) => l.type)).toEqual(['step', 'step', 'result'])
    expect(lines[0]).toMatchObject({phase: 'sweep', targetPerSecond: 100})
    const result = lines[2]
    expect(result.capacity).toBeUndefined()
    expect(result.curve.map((p: {targetPerSecond: number; share: number | null}) => [p.targetPerSecond, p.share])).toEqual([
      [100, null],
      [200, null],
    ])
    expect(result).toHaveProperty('knee')
  })

  it('--html carries the steps, the verdict and the latency-vs-rate chart', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mqkit-cap-'))
    onTestFinished(() => rmSync(dir, {recursive: true, force: true}))
    const file = path.join(dir, 'cap.html')
    const r = await runCli([
      'bench',
      '--find-max',
      '--sweep',
      '50%,100%',
      '--slo',
      'e2e.p99<=500ms',
      '--start-rate',
      '100',
      '--max-rate',
      '200',
      ...FAST,
      '--html',
      file,
      '--quiet',
    ])
    expect(r.code, r.stderr).toBe(0)
    const html = readFileSync(file, 'utf8')
    expect(html).toContain('<h2>Capacity</h2>')
    expect(html).toContain('maximum sustainable rate within e2e.p99&lt;=500ms: 200 /s (confirmed)')
    expect(html).toContain('<caption>Search steps (corrected end-to-end latency)</caption>')
    expect(html).toContain('<caption>Latency against rate (sweep)</caption>')
    expect(html).toMatch(/<svg id="chart-latency-rate"[\s\S]*data-series="p99"[\s\S]*data-series="SLO e2e.p99&lt;=500ms"/)
  })

  it('SIGTERM during a search ends it at once with exit 143 and the steps so far', async () => {
    // On the local store, the queue file appears once the run is under way (signal handlers are
    // set before it connects): a fixed delay would hit a loaded machine still starting, and a
    // signal that early kills node outright instead of testing mqkit's handling.
    const store = path.join(mkdtempSync(path.join(os.tmpdir(), 'mqkit-findmax-')), 'q.db')
    const child = spawn(process.execPath, [BIN, 'bench', '--find-max', '--step-duration', '30s', '--settle', '0s', '--json', '--url', `file:${store}`], {
      env: {...process.env, NO_COLOR: '1'},
    })
    let stdout = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk))
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve))
    const deadline = Date.now() + 30_000
    while (!existsSync(store) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))
    await new Promise((resolve) => setTimeout(resolve, 1000))
    child.kill('SIGTERM')
    const started = performance.now()
    const code = await closed
    expect(code).toBe(143)
    expect(performance.now() - started).toBeLessThan(10_000)
    const result = JSON.parse(stdout)
    expect(result.meta.interrupted).toBe(true)
    expect(result.capacity.status).toBe('interrupted')
    expect(result.capacity.steps).toHaveLength(1)
  })
})

describe('capacityFailure', () => {
  const section = (status: CapacitySection['status']) =>
    ({status, maxRate: 100, steps: [{targetPerSecond: 50}], contradictions: [{}]}) as unknown as CapacitySection
  it.each([
    ['found', undefined],
    ['ceiling', undefined],
    ['interrupted', undefined],
    ['no-passing-rate', 10],
    ['unconfirmed', 11],
    ['inconsistent', 11],
    ['step-limit', 11],
  ] as const)('%s → exit %s', (status, exitCode) => {
    expect(capacityFailure(section(status))?.exitCode).toBe(exitCode)
  })
})
