// The warnings' words: a saved result and the run's facts (events, fault commands that never ran)
// in, the sentences health.warnings carries out.
import {readFileSync} from 'node:fs'
import {describe, expect, it} from 'vitest'
import {healthWarnings, runWarnings} from '../../../src/bench/render/render-warnings.js'
import type {AvailabilityFigures, RunEvent} from '../../../src/results/availability.js'
import type {BenchResult} from '../../../src/results/document.js'

const fixture = JSON.parse(readFileSync(new URL('../fixtures/result.json', import.meta.url), 'utf8')) as BenchResult

describe('runWarnings', () => {
  const availability = {minGapMs: 100, windows: [], unavailableMs: 0, totalUnavailableMs: 0, latency: null, events: []} as AvailabilityFigures
  const amqp = (persistent: boolean): BenchResult => ({
    ...fixture,
    meta: {...fixture.meta, backend: 'amqp'},
    workload: {...fixture.workload, persistent, queueType: undefined},
    availability,
  })
  const events: RunEvent[] = [
    {kind: 'reconnected', atMs: 1200, role: 'consumer', index: 1, attempts: 2, redeclared: ['q-1']},
    {kind: 'fault-ended', atMs: 3000, command: 'restart broker', exitCode: 1, signal: null},
  ]

  it('words what a --recover / --fault-cmd run must know, before the load-generator warnings', () => {
    const warnings = runWarnings(amqp(false), {events, faultsNotRun: [{atMs: 90_000, command: 'late fault'}]})
    expect(warnings.slice(0, 4)).toEqual([
      'messages were transient on a non-durable queue (no --persistent): a broker restart drops them by design, and they count as confirmed and lost',
      'consumer 1 found "q-1" gone after reconnecting and declared it again: what it held was lost with it',
      'fault command "restart broker" exited 1: the fault may not have happened as planned',
      'fault command "late fault" planned at 90.0 s never ran: the run ended first',
    ])
    expect(warnings.slice(4)).toEqual(healthWarnings(amqp(false)))
  })

  it('says nothing about recovery for a run without an availability section', () => {
    const plain = {...amqp(false), availability: undefined}
    expect(runWarnings(plain, {events, faultsNotRun: []})).toEqual(healthWarnings(plain))
    expect(runWarnings(amqp(true), {events: [], faultsNotRun: []})).toEqual(healthWarnings(amqp(true)))
  })
})
