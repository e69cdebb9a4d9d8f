// `mqkit report` through the real CLI (bin/run.js over dist/; `npm run build` first).
import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {runCli} from '../helpers/cli.js'
import {CLOSED_LOOP_FILE, fixture, OPEN_LOOP_FILE} from './fixtures.js'

const dir = mkdtempSync(path.join(os.tmpdir(), 'mqkit-report-cli-'))
afterAll(() => rmSync(dir, {recursive: true, force: true}))

/** The error line the command printed (oclif may print unrelated warnings around it). */
function errorLines(stderr: string): string[] {
  return stderr.split('\n').filter((line) => line.startsWith('mqkit:'))
}

describe('mqkit report (CLI)', () => {
  it('re-renders a saved result as the bench tables', async () => {
    const r = await runCli(['report', OPEN_LOOP_FILE])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('mqkit bench memory://')
    expect(r.stdout).toMatch(/│ published\s+│\s+10,000 │\s+2000 \/s │/)
    expect(r.stdout).toContain('end-to-end from intended send')
    expect(r.stdout).toContain('Integrity')
  })

  it('merges several files (default) and writes the HTML report; --json prints the merged document', async () => {
    const html = path.join(dir, 'merged.html')
    const r = await runCli(['report', OPEN_LOOP_FILE, OPEN_LOOP_FILE, '--html', html, '--json'])
    expect(r.code).toBe(0)
    const merged = JSON.parse(r.stdout)
    const single = fixture(OPEN_LOOP_FILE)
    expect(merged).toMatchObject({schema: 'mqkit-bench-result', schemaVersion: 1, integrity: {sent: 2 * single.integrity.sent}})
    expect(merged.latency.endToEnd.count).toBe(2 * single.latency.endToEnd.count)
    expect(merged.merged.sources).toHaveLength(2)
    expect(r.stderr).toContain(`mqkit: report written to ${html}`)
    expect(readFileSync(html, 'utf8')).toContain('<svg id="chart-latency-spectrum"')
  })

  it('--compare prints both runs with the change in each figure', async () => {
    const r = await runCli(['report', '--compare', CLOSED_LOOP_FILE, OPEN_LOOP_FILE])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('baseline  closed-loop.json')
    expect(r.stdout).toContain('candidate open-loop.json')
    expect(r.stdout).toMatch(/│ {3}published msg\/s\s+│\s+[\d.]+ k\/s │\s+2000 \/s │\s+-[\d.]+ k\/s \(-\d+\.\d %\) │/)
    const json = await runCli(['report', '--compare', CLOSED_LOOP_FILE, OPEN_LOOP_FILE, '--json'])
    expect(JSON.parse(json.stdout)).toMatchObject({
      schema: 'mqkit-bench-comparison',
      baseline: {label: 'closed-loop.json'},
      candidate: {label: 'open-loop.json', mode: 'open-loop'},
    })
  })

  it('a missing file, a non-result, a wrong schema version and a bad combination are usage errors (exit 2, one line)', async () => {
    const notJson = path.join(dir, 'notes.txt')
    writeFileSync(notJson, 'hello')
    const foreign = path.join(dir, 'foreign.json')
    writeFileSync(foreign, '{"name": "something else"}')
    const future = path.join(dir, 'future.json')
    writeFileSync(future, JSON.stringify({...fixture(CLOSED_LOOP_FILE), schemaVersion: 99}))
    const cases: Array<[string[], RegExp]> = [
      [['report', path.join(dir, 'nope.json')], /^mqkit: cannot read .*nope\.json: no such file$/],
      [['report', notJson], /^mqkit: .*notes\.txt is not JSON \(.*\); expected the output of mqkit bench --json$/],
      [['report', foreign], /^mqkit: .*foreign\.json is not a mqkit bench result/],
      [['report', future], /^mqkit: .*future\.json has result schema version 99; this mqkit reads version 1$/],
      [['report', '--compare', CLOSED_LOOP_FILE], /^mqkit: --compare takes exactly two result files, got 1$/],
      [['report', CLOSED_LOOP_FILE, OPEN_LOOP_FILE], /^mqkit: cannot merge open-loop\.json \(open-loop\) with closed-loop\.json \(closed-loop\)/],
      [['report'], /^mqkit: give at least one result file/],
    ]
    for (const [args, message] of cases) {
      const r = await runCli(args)
      expect(r.code, args.join(' ')).toBe(2)
      expect(errorLines(r.stderr), args.join(' ')).toHaveLength(1)
      expect(errorLines(r.stderr)[0]).toMatch(message)
      expect(r.stderr).not.toMatch(/^\s+at /m)
      expect(r.stdout).toBe('')
    }
  })

  it('merges only runs of one workload: else one line naming the settings (exit 2), or --force with a warning', async () => {
    const base = fixture(CLOSED_LOOP_FILE)
    const a = path.join(dir, 'a.json')
    const b = path.join(dir, 'b.json')
    const share = path.join(dir, 'share.json')
    writeFileSync(a, JSON.stringify(base))
    writeFileSync(b, JSON.stringify({...base, workload: {...base.workload, prefetch: 500, confirmWindow: 200}}))
    // Another generator's share of the same workload: its own producers, count and queue.
    writeFileSync(share, JSON.stringify({...base, workload: {...base.workload, producers: 3, count: 60_000, queueName: 'other'}}))
    const refused = await runCli(['report', a, b])
    expect(refused.code).toBe(2)
    expect(errorLines(refused.stderr)).toEqual([
      'mqkit: cannot merge a.json and b.json: not runs of one workload (--confirm-window a.json 1,000, b.json 200; --prefetch a.json 100, b.json 500); merge the results of load generators that ran one workload together, compare two runs with --compare, or merge anyway with --force',
    ])
    expect(refused.stdout).toBe('')

    const forced = await runCli(['report', a, b, '--force', '--json'])
    expect(forced.code, forced.stderr).toBe(0)
    expect(forced.stderr).toContain(
      'mqkit: warning: merged with --force runs of different workloads: --confirm-window a.json 1,000, b.json 200; --prefetch a.json 100, b.json 500',
    )
    const merged = JSON.parse(forced.stdout)
    expect(merged.merged.workloadDifferences).toEqual([
      {field: 'confirmWindow', flag: '--confirm-window', values: ['1,000', '200']},
      {field: 'prefetch', flag: '--prefetch', values: ['100', '500']},
    ])
    expect(merged.health.warnings[0]).toMatch(/^merged with --force although the workloads differ/)

    const shares = await runCli(['report', a, share, '--json'])
    expect(shares.code, shares.stderr).toBe(0)
    expect(JSON.parse(shares.stdout).workload).toMatchObject({producers: 4, count: 80_000})
  })

  it('--compare lists the workload settings that differ, then the figures', async () => {
    const r = await runCli(['report', '--compare', CLOSED_LOOP_FILE, OPEN_LOOP_FILE], {env: {COLUMNS: '80'}})
    expect(r.code, r.stderr).toBe(0)
    const lines = r.stdout.split('\n')
    expect(lines).toContain('│ Setting (differs) │ closed-loop.json │ open-loop.json │')
    expect(lines.some((line) => /^│ --count +│ +20,000 │ +- │$/.test(line))).toBe(true)
    expect(lines.some((line) => /^│ --rate +│ +closed loop │ +2000 \/s │$/.test(line))).toBe(true)
    expect(Math.max(...lines.map((line) => [...line].length))).toBeLessThanOrEqual(80)
    const json = JSON.parse((await runCli(['report', '--compare', CLOSED_LOOP_FILE, OPEN_LOOP_FILE, '--json'])).stdout)
    expect(json.settings).toEqual([
      {field: 'count', flag: '--count', baseline: '20,000', candidate: '-'},
      {field: 'durationMs', flag: '--duration', baseline: '-', candidate: '5.00 s'},
      {field: 'rate', flag: '--rate', baseline: 'closed loop', candidate: '2000 /s'},
    ])
    const same = JSON.parse((await runCli(['report', '--compare', CLOSED_LOOP_FILE, CLOSED_LOOP_FILE, '--json'])).stdout)
    expect(same.settings).toEqual([])
  })

  it('bench --html says on stderr where the report was written, with --json too', async () => {
    const html = path.join(dir, 'bench.html')
    const r = await runCli(['bench', '--count', '200', '--json', '--html', html, '--quiet'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toContain(`mqkit: report written to ${html}`)
    expect(JSON.parse(r.stdout).schema).toBe('mqkit-bench-result')
    expect(existsSync(html)).toBe(true)
  })

  it('reads a result from stdin and the result line of an --ndjson stream', async () => {
    const text = readFileSync(CLOSED_LOOP_FILE, 'utf8')
    const ndjson = `${JSON.stringify({type: 'interval', elapsedMs: 1})}\n${JSON.stringify({type: 'result', ...JSON.parse(text)})}\n`
    const r = await runCli(['report', '-', '--json'], {input: ndjson})
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout)).toEqual(JSON.parse(text))
    expect(existsSync(path.join(dir, 'none.html'))).toBe(false)
  })
})
