// The real CLI (bin/run.js over dist/; `npm run build` first).
import {describe, expect, it, onTestFinished} from 'vitest'
import {runCli} from '../helpers/cli.js'

describe('mqkit bench (CLI)', () => {
  it('--json prints one result document with the documented keys', async () => {
    const r = await runCli(['bench', '--count', '2000', '--json'])
    expect(r.code).toBe(0)
    const result = JSON.parse(r.stdout)
    expect(Object.keys(result).sort()).toEqual(
      [
        'assertions',
        'handling',
        'health',
        'histograms',
        'integrity',
        'intervals',
        'latency',
        'littlesLaw',
        'meta',
        'queueLength',
        'schema',
        'schemaVersion',
        'throughput',
        'workload',
      ].sort(),
    )
    expect(result).toMatchObject({
      schema: 'mqkit-bench-result',
      schemaVersion: 1,
      meta: {backend: 'memory', url: 'memory://'},
      integrity: {sent: 2000, received: 2000, lost: 0},
    })
    expect(Object.keys(result.latency.endToEnd)).toEqual(['count', 'mean', 'stdev', 'min', 'p50', 'p75', 'p90', 'p95', 'p99', 'p99_9', 'p99_99', 'max'])
    expect(Object.keys(result.histograms).sort()).toEqual(['endToEnd', 'endToEndCorrected', 'handling', 'publish', 'publishDelay'])
    expect(r.stderr).toBe('') // --json: no progress
  })

  it("a mostly idle run reports an event-loop delay well under 1 ms (the monitor timer's own interval is not delay)", async () => {
    const r = await runCli(['bench', '--rate', '20', '--duration', '1s', '--json'])
    expect(r.code, r.stderr).toBe(0)
    const {eventLoopDelay} = JSON.parse(r.stdout).health
    expect(eventLoopDelay.p50Ms).toBeGreaterThanOrEqual(0)
    expect(eventLoopDelay.p50Ms).toBeLessThan(1)
  })

  it('a failed --assert exits 8 after printing the results', async () => {
    const r = await runCli(['bench', '--count', '1000', '--assert', 'p99<0.0001ms', '--assert', 'lost=0', '--quiet'])
    expect(r.code).toBe(8)
    expect(r.stdout).toContain('Throughput')
    // The actual value in the metric's unit (ms for a latency), right-aligned.
    expect(r.stdout).toMatch(/p99<0.0001ms\s+│\s+[\d.]+ (µs|ms) │ FAIL/)
    expect(r.stdout).toMatch(/lost=0\s+│\s+0 │ pass/)
    expect(r.stderr).toContain('1 of 2 assertions failed: p99<0.0001ms')
  })

  it('--assert all passing exits 0, with every assertion shown as passed', async () => {
    const asserts = ['p99<10s', 'lost=0', 'duplicates=0', 'throughput>=1']
    const r = await runCli(['bench', '--count', '1000', '--quiet', ...asserts.flatMap((a) => ['--assert', a])])
    expect(r.code, r.stderr).toBe(0)
    for (const assertion of asserts)
      expect(r.stdout).toMatch(new RegExp(`│ ${assertion.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s+│\\s+[\\d.,]+( µs| ms| s| /s| k/s)? │ pass\\s+│`))
    expect(r.stdout).not.toContain('FAIL')
    expect(r.stderr).not.toMatch(/assertions? failed/)
    const json = await runCli(['bench', '--count', '1000', '--json', ...asserts.flatMap((a) => ['--assert', a])])
    expect(json.code, json.stderr).toBe(0)
    expect(JSON.parse(json.stdout).assertions.map((a: {expression: string; passed: boolean}) => [a.expression, a.passed])).toEqual(
      asserts.map((a) => [a, true]),
    )
  })

  it('--ndjson streams interval lines and the result last; bad flags are usage errors', async () => {
    const r = await runCli(['bench', '--duration', '1.2s', '--interval', '300ms', '--ndjson', '--quiet'])
    expect(r.code).toBe(0)
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
    expect(lines.length).toBeGreaterThanOrEqual(4)
    expect(lines.slice(0, -1).every((l) => l.type === 'interval')).toBe(true)
    expect(lines.at(-1)).toMatchObject({type: 'result', schemaVersion: 1})
    const bad = await runCli(['bench', '--assert', 'p98<1ms'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('unknown metric "p98"')
  })
})

describe('mqkit bench --html (CLI)', () => {
  it('writes a self-contained HTML report beside the normal output; an unwritable target fails before the run', async () => {
    const {mkdtempSync, readFileSync, rmSync} = await import('node:fs')
    const {tmpdir} = await import('node:os')
    const path = await import('node:path')
    const dir = mkdtempSync(path.join(tmpdir(), 'mqkit-bench-html-'))
    onTestFinished(() => rmSync(dir, {recursive: true, force: true}))
    const file = path.join(dir, 'report.html')
    const r = await runCli(['bench', '--count', '2000', '--html', file, '--quiet'])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('Throughput')
    const html = readFileSync(file, 'utf8')
    expect(html).toMatch(/^<!doctype html>/i)
    expect(html).toContain('<svg')
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href="http/i) // no network
    const bad = await runCli(['bench', '--count', '10', '--html', path.join(dir, 'missing', 'r.html'), '--quiet'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('--html')
    expect(bad.stdout).toBe('')
  })
})
