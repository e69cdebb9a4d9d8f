// A --shared-queues result as the presenters show it: latencies marked as taken on the hosts' wall
// clocks (with the negative readings), and lost shown as an upper bound when it is one, which an
// assertion cannot pass on.
import {describe, expect, it} from 'vitest'
import {healthWarnings} from '../../../src/bench/render/render-warnings.js'
import {renderResult} from '../../../src/bench/render/render.js'
import {latencyTable, integrityTable} from '../../../src/report/html-tables.js'
import {evaluateAssertions, parseAssertion} from '../../../src/results/assert.js'
import type {BenchResult} from '../../../src/results/document.js'
import {CLOSED_LOOP_FILE, fixture} from '../../report/fixtures.js'

function sharedShard(): BenchResult {
  const base = fixture(CLOSED_LOOP_FILE)
  return {
    ...base,
    latency: {...base.latency, clock: 'wall', negativeClockSamples: 17},
    integrity: {...base.integrity, lost: 42, lostUnknown: 'other shards consumed some of its messages'},
    health: {...base.health, warnings: []},
  }
}

describe('--shared-queues results in the tables, the HTML report and assertions', () => {
  it('warns that end-to-end latencies depend on the hosts’ clock sync, with the negative readings', () => {
    const warnings = healthWarnings(sharedShard())
    expect(warnings).toContain(
      "end-to-end latencies were taken on the hosts' wall clocks (--shared-queues: a message sent on one host may be received on another), so they include the offset between the hosts' clocks and are only as good as their clock sync; 17 readings were negative (the receiver's clock behind the sender's): counted, and recorded as 0",
    )
    const caption = latencyTable(sharedShard())
    expect(caption).toContain('Latency and handling time, end-to-end on the hosts')
    expect(caption).toContain('wall clocks (depends on their clock sync) (17 negative clock samples counted, recorded as 0)')
    // A monotonic-clock result keeps its words.
    const plain = fixture(CLOSED_LOOP_FILE)
    expect(healthWarnings({...plain, latency: {...plain.latency, negativeClockSamples: 3}})).toContain(
      '3 latency samples were negative (clock difference between hosts): counted, not recorded',
    )
  })

  it('shows lost as an upper bound and says why; lost=0 cannot pass on it', () => {
    const text = renderResult(sharedShard(), {width: 200})
    expect(text).toContain('≤ 42 (unknown)')
    expect(text).toContain('lost unknown: other shards consumed some of its messages')
    expect(integrityTable(sharedShard())).toContain('lost unknown: other shards consumed some of its messages')
    const [lost, confirmedLost] = evaluateAssertions([parseAssertion('lost=0'), parseAssertion('confirmed-lost<100')], sharedShard())
    expect(lost).toMatchObject({passed: false})
    expect(Number.isNaN(lost.actual)).toBe(true)
    expect(confirmedLost.passed).toBe(false)
    // Known lost is asserted as before.
    const known = {...sharedShard(), integrity: {...sharedShard().integrity, lostUnknown: undefined, lost: 0}}
    expect(evaluateAssertions([parseAssertion('lost=0')], known)[0].passed).toBe(true)
    expect(renderResult(known, {width: 200})).not.toContain('(unknown)')
  })
})
