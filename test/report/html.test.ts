// The HTML report: self-contained (no network), escaped, with the three charts drawn from the data.
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {LatencyHistogram} from '../../src/metrics/histogram.js'
import {MAX_NINES, percentileAtNines, spectrumPoints} from '../../src/report/charts.js'
import {compareResults} from '../../src/results/compare.js'
import {assertHtmlWritable, renderHtmlReport, writeHtmlReport} from '../../src/report/html.js'
import {mergeResults} from '../../src/results/merge.js'
import {niceTicks} from '../../src/report/svg.js'
import type {BenchResult} from '../../src/results/document.js'
import {CLOSED_LOOP_FILE, fixture, OPEN_LOOP_FILE} from './fixtures.js'

const open = fixture(OPEN_LOOP_FILE)
const closed = fixture(CLOSED_LOOP_FILE)

/** Attributes that would make a browser fetch something. */
const FETCHING = /\b(?:src|href|action|poster|data|xlink:href)\s*=\s*["']?\s*(?:https?:)?\/\//i

describe('renderHtmlReport', () => {
  const html = renderHtmlReport([open])

  it('is one self-contained page: no script, no stylesheet link, no URL to fetch', () => {
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true)
    expect(html).not.toMatch(FETCHING)
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|url\(/i)
    expect(html).toContain("default-src 'none'")
    for (const id of ['chart-latency-spectrum', 'chart-throughput', 'chart-queue-length']) expect(html).toContain(`<svg id="${id}" class="chart"`)
  })

  it('has the metadata and summary tables with units on the chart axes', () => {
    for (const text of [
      'URL (redacted)',
      'memory://',
      'mqkit 0.1.0, Node v20.20.2',
      'open loop 2000 /s (uniform)',
      '<caption>Throughput</caption>',
      '<caption>Latency and handling time</caption>',
      'Queue length and Little&#39;s law',
      '<caption>Integrity</caption>',
      'No assertions',
    ]) {
      expect(html).toContain(text)
    }
    for (const label of ['percentile (log scale of nines)', 'latency (ms)', 'throughput (msg/s)', 'time since start (s)', 'queue length (messages)'])
      expect(html).toContain(label)
    for (const tick of ['>90%<', '>99%<', '>99.9%<', '>99.99%<', '>99.999%<']) expect(html).toContain(tick)
    // One spectrum line per latency kind (open loop has all five).
    const spectrum = html.slice(html.indexOf('<svg id="chart-latency-spectrum"'), html.indexOf('</svg>', html.indexOf('<svg id="chart-latency-spectrum"')))
    expect(spectrum.match(/<path class="series"/g)).toHaveLength(5)
    expect(renderHtmlReport([closed]).match(/data-series="end-to-end from intended send"/g)).toBeNull()
  })

  it('escapes every string taken from the result', () => {
    const hostile = structuredClone(open)
    hostile.meta.url = 'amqp://u:***@h/<script>alert(1)</script>'
    hostile.meta.queues = ['q"><img src=x onerror=alert(2)>']
    hostile.health.warnings = ["it's <b>bold</b> & more"]
    hostile.meta.host.hostname = '<iframe>'
    const page = renderHtmlReport([hostile], {labels: ['<x>']})
    expect(page).not.toContain('<script>alert(1)')
    expect(page).not.toContain('<img src=x')
    expect(page).not.toContain('<b>bold')
    expect(page).not.toContain('<iframe>')
    expect(page).toContain('amqp://u:***@h/&lt;script&gt;alert(1)&lt;/script&gt;')
    expect(page).toContain('q&quot;&gt;&lt;img src=x onerror=alert(2)&gt;')
    expect(page).toContain('it&#39;s &lt;b&gt;bold&lt;/b&gt; &amp; more')
    // Labels end up inside SVG legends when several runs share the charts.
    const two = renderHtmlReport([open, open], {labels: ['<a>', 'b&']})
    expect(two).toContain('&lt;a&gt;: publish (send→confirm)')
    expect(two).toContain('b&amp;: published')
    expect(two).not.toContain('<a>')
  })

  it('draws a merged result per source and a comparison above two runs', () => {
    const merged = mergeResults([open, open], ['gen1.json', 'gen2.json'])
    const page = renderHtmlReport([merged])
    expect(page).toContain('<caption>Merged load generators</caption>')
    expect(page).toContain('data-series="gen1.json: published"')
    expect(page).toContain('data-series="gen2.json"') // queue-length line per source
    const compared = renderHtmlReport([closed, open], {labels: ['closed', 'open'], comparison: compareResults(closed, open, ['closed', 'open'])})
    expect(compared).toContain('<caption>Comparison: closed → open</caption>')
    expect(compared).toContain('stroke-dasharray') // the second run is dashed
  })

  it('writes the file, and a failed write is a usage error naming --html', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mqkit-html-'))
    try {
      const file = path.join(dir, 'r.html')
      writeHtmlReport(open, file)
      expect(readFileSync(file, 'utf8')).toBe(html)
      expect(() => writeHtmlReport(open, path.join(dir, 'missing', 'r.html'))).toThrow(/^--html .*missing\/r\.html: cannot write \(ENOENT\)$/)
      // Checked up front (before a long bench run): same cases, clearer words.
      expect(() => assertHtmlWritable(file)).not.toThrow()
      expect(() => assertHtmlWritable(path.join(dir, 'missing', 'r.html'))).toThrow(/^--html .*: cannot write \(directory .*missing does not exist\)$/)
      expect(() => assertHtmlWritable(dir)).toThrow(/cannot write \(it is a directory\)$/)
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })
})

describe('chart data', () => {
  it('the spectrum is the decoded histogram read at nines percentiles, capped at the exact max', () => {
    const h = LatencyHistogram.decode(open.histograms.endToEndCorrected)
    const points = spectrumPoints(h)
    expect(points[0][0]).toBe(0)
    expect(points.at(-1)![0]).toBeCloseTo(MAX_NINES, 9)
    expect(points.find(([x]) => Math.abs(x - 2) < 1e-9)![1]).toBe(open.latency.endToEndCorrected!.p99)
    expect(points.find(([x]) => Math.abs(x - 3) < 1e-9)![1]).toBe(open.latency.endToEndCorrected!.p99_9)
    expect(points.at(-1)![1]).toBe(open.latency.endToEndCorrected!.max)
    expect(points.every(([, y], i) => i === 0 || y >= points[i - 1][1])).toBe(true)
    expect(percentileAtNines(2)).toBeCloseTo(99, 12)
    expect(spectrumPoints(new LatencyHistogram())).toEqual([])
  })

  it('ticks fall on 1-2-5 steps', () => {
    expect(niceTicks(0, 117)).toEqual([0, 20, 40, 60, 80, 100])
    expect(niceTicks(0, 1, 6, 1)).toEqual([0, 1])
    expect(niceTicks(0, 0.5)).toEqual([0, 0.1, 0.2, 0.3, 0.4, 0.5])
  })
})

describe('availability in the report', () => {
  const s = (count: number, ms: number) => ({count, mean: ms, stdev: 0, min: ms, p50: ms, p75: ms, p90: ms, p95: ms, p99: ms, p99_9: ms, p99_99: ms, max: ms})
  const outage: BenchResult = {
    ...open,
    integrity: {...open.integrity, lost: 1, inDoubt: 4, inDoubtArrived: 1, leftInQueueBy: 'counted'},
    availability: {
      minGapMs: 500,
      unavailableMs: 1500,
      totalUnavailableMs: 2100,
      windows: [
        {
          fromMs: 1000,
          toMs: 2500,
          durationMs: 1500,
          recovered: true,
          publish: {lastConfirmBeforeMs: 1000, firstConfirmAfterMs: 2400},
          consume: {lastDeliveryBeforeMs: 1010, firstDeliveryAfterMs: 2500},
          events: [],
        },
        {
          fromMs: 4400,
          toMs: 5000,
          durationMs: 600,
          recovered: false,
          publish: null,
          consume: {lastDeliveryBeforeMs: 4400, firstDeliveryAfterMs: null},
          events: [],
        },
      ],
      latency: {bucketMs: 250, kind: 'endToEndCorrected', inside: s(3000, 1400), outside: s(7000, 0.2)},
      events: [
        {kind: 'fault-started', atMs: 900, command: 'kill -9 "$(cat <pidfile>)"'},
        {kind: 'fault-ended', atMs: 950, command: 'kill -9 "$(cat <pidfile>)"', exitCode: 0, signal: null},
        {kind: 'reconnected', atMs: 2300, role: 'producer', index: 0, attempts: 4},
        {kind: 'gave-up', atMs: 4900, role: 'consumer', index: 0, message: 'budget spent'},
      ],
    },
  }
  const page = renderHtmlReport([outage])
  const html = renderHtmlReport([open])

  it('shades each outage window on the throughput chart, on the run clock in seconds', () => {
    const chart = page.slice(page.indexOf('<svg id="chart-throughput"'), page.indexOf('</svg>', page.indexOf('<svg id="chart-throughput"')))
    const bands = [
      ...chart.matchAll(
        /<rect class="band" x="([\d.]+)" y="[\d.]+" width="([\d.]+)" height="[\d.]+" data-from="([\d.]+)" data-to="([\d.]+)"><title>([^<]*)<\/title>/g,
      ),
    ]
    expect(bands.map((b) => [b[3], b[4], b[5]])).toEqual([
      ['1', '2.5', 'outage 1: 1.50 s, recovered'],
      ['4.4', '5', 'outage 2: 600 ms, NOT recovered'],
    ])
    // 1 s → 2.5 s is 1.5 of the axis's 6 s over the plot's 924 px.
    expect(Number(bands[0][2])).toBeCloseTo((1.5 / 6) * 924, 0)
    expect(chart).toContain('outage windows (no confirm or no delivery)')
    // Other charts and results without windows are not shaded.
    expect(html).not.toContain('class="band"')
    expect(page.slice(page.indexOf('<svg id="chart-queue-length"'))).not.toContain('class="band"')
  })

  it('has the windows, every event and the latency by send time as tables, values escaped', () => {
    expect(page).toContain('Availability: 2 outage windows (silences ≥ 500 ms), longest 1.50 s, total 2.10 s, 1 NOT recovered')
    expect(page).toContain('<caption>Outage windows (run clock: 0 = start of production)</caption>')
    expect(page).toContain(
      '<tr><th>1</th><td>1.00 s</td><td>2.50 s</td><td>1.50 s</td><td>recovered</td><td>1.00 s</td><td>2.40 s</td><td>1.01 s</td><td>2.50 s</td></tr>',
    )
    expect(page).toContain('<td class="bad">NOT recovered</td><td>-</td><td>-</td><td>4.40 s</td><td>none</td>')
    expect(page).toContain('<caption>Run events</caption>')
    expect(page).toContain('<th>0.90 s</th><td>fault started</td><td class="why">kill -9 &quot;$(cat &lt;pidfile&gt;)&quot;</td>')
    expect(page).toContain('<th>0.95 s</th><td>fault ended: exit 0</td>')
    expect(page).toContain('<th>2.30 s</th><td>producer 0 reconnected</td><td class="why">after 4 attempts</td>')
    expect(page).toContain('<td class="bad">consumer 0 gave up</td><td class="why">budget spent</td>')
    expect(page).not.toContain('<pidfile>')
    expect(page).toContain('<caption>Latency from intended send, by send time (250 ms buckets)</caption>')
    expect(page).toContain('<tr><th>sent inside outages</th><td>3,000</td><td>1.40 s</td><td>1.40 s</td>')
    expect(page).toContain('<tr><th>sent outside</th><td>7,000</td><td>200 µs</td>')
    expect(html).not.toContain('Outage windows')
  })

  it('names lost "confirmed & lost" and shows the messages in doubt when the result has that accounting', () => {
    expect(page).toContain('<th>confirmed &amp; lost</th><th>in doubt</th>')
    expect(page).toContain('<td class="bad">1</td><td>4</td>')
    expect(page).toContain('<td>0 (counted)</td>')
    expect(page).toContain('in doubt 4 (arrived 1, not arrived 3): sent but neither confirmed nor refused')
    expect(html).toContain('<th>lost</th><th>duplicates</th>')
  })
})
