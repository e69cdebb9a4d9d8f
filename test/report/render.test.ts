// The HTML report renders in a real browser (headless Chromium), offline, without errors.
import {mkdtempSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {pathToFileURL} from 'node:url'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {renderHtmlReport} from '../../src/report/html.js'
import {mergeResults} from '../../src/results/merge.js'
import {chromiumOrSkip, pngSize, runChromium} from './chromium.js'
import {fixture, OPEN_LOOP_FILE} from './fixtures.js'

const chromium = chromiumOrSkip()

describe.skipIf(!chromium)('HTML report in headless Chromium', () => {
  let dir: string
  let page: string
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'mqkit-report-render-'))
    // A merged open-loop result: every chart kind, per-source lines, all tables.
    const open = fixture(OPEN_LOOP_FILE)
    page = path.join(dir, 'report.html')
    writeFileSync(page, renderHtmlReport([mergeResults([open, open], ['gen1.json', 'gen2.json'])]))
  })
  afterAll(() => rmSync(dir, {recursive: true, force: true}))

  it('loads with the three charts in the DOM and no console error', async () => {
    const {stdout, stderr} = await runChromium(chromium!, pathToFileURL(page).href, ['--dump-dom'])
    for (const id of ['chart-latency-spectrum', 'chart-throughput', 'chart-queue-length']) expect(stdout).toContain(`<svg id="${id}" class="chart"`)
    expect(stdout.match(/<path class="series"/g)?.length).toBeGreaterThanOrEqual(5 + 4 + 2)
    expect(stdout).toContain('<caption>Latency and handling time</caption>')
    // Script errors and blocked loads (the page's CSP forbids any fetch) would be console lines.
    expect(stderr.split('\n').filter((line) => line.includes(':CONSOLE'))).toEqual([])
  })

  it('paints a non-trivial screenshot', async () => {
    const png = path.join(dir, 'report.png')
    await runChromium(chromium!, pathToFileURL(page).href, [`--screenshot=${png}`, '--window-size=1200,2000', '--hide-scrollbars'])
    expect(pngSize(readFileSync(png))).toEqual({width: 1200, height: 2000})
    // A blank page compresses to a few KB; tables, text and five coloured curves do not.
    expect(statSync(png).size).toBeGreaterThan(60_000)
  })
})
