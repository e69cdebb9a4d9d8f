// Renderer fixture: a saved result document → the expected report lines.
import {readFileSync} from 'node:fs'
import {describe, expect, it} from 'vitest'
import {Chalk} from 'chalk'
import {progressLine} from '../../src/bench/progress.js'
import {renderResult} from '../../src/bench/render.js'
import type {BenchResult} from '../../src/bench/result.js'

const fixture = JSON.parse(readFileSync(new URL('fixtures/result.json', import.meta.url), 'utf8')) as BenchResult

describe('renderResult', () => {
  it('draws the saved result as the expected tables', async () => {
    const text = renderResult(fixture)
    await expect(text).toMatchFileSnapshot('fixtures/result.txt')
    expect(text).toContain('open loop 1500/s (uniform)')
    expect(text).toMatch(/│ published\s+│ 3,000\s+│ 1500 \/s/)
    expect(text).toContain('end-to-end from intended send')
    expect(text).not.toContain('\u001B[') // no colour unless asked
  })

  it('adds a pass/fail table and colours only with a colour instance', () => {
    const withAssertions: BenchResult = {
      ...fixture,
      assertions: [
        {expression: 'lost=0', metric: 'lost', operator: '=', threshold: 0, actual: 0, passed: true},
        {expression: 'p99<0.001ms', metric: 'p99', operator: '<', threshold: 0.001, actual: 1.5, passed: false},
      ],
    }
    const plain = renderResult(withAssertions)
    expect(plain).toMatch(/│ lost=0\s+│ 0\s+│ pass\s+│/)
    expect(plain).toMatch(/│ p99<0.001ms\s+│ 1.500\s+│ FAIL\s+│/)
    expect(renderResult(withAssertions, {colour: new Chalk({level: 1})})).toContain('\u001B[31mFAIL')
  })

  it('formats a progress line from an interval', () => {
    const line = progressLine(fixture.intervals[0], 2000, 0)
    expect(line).toMatch(/^1\.0s\/2s {2}pub .* {2}con .* {2}p99 .* {2}queue .* {2}total /)
  })
})
