// Outage windows from synthetic silences, the threshold that makes a silence a window, and
// latency split by send time inside and outside the windows.
import {describe, expect, it} from 'vitest'
import {
  analyseAvailability,
  EVENT_LEAD_MS,
  latencyBin,
  latencyBinMidMicros,
  minGapMsFor,
  SendTimeLatency,
  type AvailabilityInput,
} from '../../../src/bench/faults/availability.js'
import type {RunEvent} from '../../../src/results/availability.js'

/** A run of 60 s that ended cleanly, with whatever silences the test adds. */
function input(overrides: Partial<AvailabilityInput>): AvailabilityInput {
  return {
    confirmGaps: [],
    deliveryGaps: [],
    events: [],
    minGapMs: 500,
    publishing: {lastConfirmMs: 59_990, endMs: 60_000, unconfirmedAtEnd: 0},
    consuming: {lastDeliveryMs: 59_995, endMs: 60_010, expectedMore: false},
    ...overrides,
  }
}

describe('minGapMsFor', () => {
  it('is 500 ms in closed loop and 20 mean inter-send gaps of the slowest step in open loop, never below 500 ms', () => {
    expect(minGapMsFor({rate: undefined})).toBe(500)
    expect(minGapMsFor({rate: [{perSecond: 10}]})).toBe(2000)
    expect(minGapMsFor({rate: [{perSecond: 1000}]})).toBe(500)
    expect(minGapMsFor({rate: [{perSecond: 5000, durationMs: 10_000}, {perSecond: 4, durationMs: 10_000}, {perSecond: 100}]})).toBe(5000)
    // The runner may hand the whole options object.
    expect(minGapMsFor({rate: [{perSecond: 20}], producers: 4} as Parameters<typeof minGapMsFor>[0])).toBe(1000)
  })
})

describe('analyseAvailability', () => {
  it('merges a publish and a consume silence of one restart into one window', () => {
    const events: RunEvent[] = [
      {kind: 'fault-started', atMs: 19_600, command: 'rabbitmqctl stop_app'},
      {kind: 'connection-lost', atMs: 20_050, role: 'producer', index: 0, message: 'CONNECTION_FORCED'},
      {kind: 'fault-ended', atMs: 21_000, command: 'rabbitmqctl stop_app', exitCode: 0, signal: null},
      {kind: 'reconnected', atMs: 25_900, role: 'producer', index: 0, attempts: 6},
      {kind: 'fault-started', atMs: 40_000, command: 'true'},
    ]
    const a = analyseAvailability(
      input({
        confirmGaps: [
          {fromMs: 3000, toMs: 3300},
          {fromMs: 20_000, toMs: 26_000},
        ],
        deliveryGaps: [{fromMs: 20_010, toMs: 26_500}],
        events,
      }),
    )
    expect(a.windows).toEqual([
      {
        fromMs: 20_000,
        toMs: 26_500,
        durationMs: 6500,
        recovered: true,
        publish: {lastConfirmBeforeMs: 20_000, firstConfirmAfterMs: 26_000},
        consume: {lastDeliveryBeforeMs: 20_010, firstDeliveryAfterMs: 26_500},
        events: events.slice(0, 4),
      },
    ])
    expect(a).toMatchObject({minGapMs: 500, unavailableMs: 6500, totalUnavailableMs: 6500, latency: null})
    expect(a.events).toEqual(events)
  })

  it('keeps separate silences apart; the longest is unavailableMs, their sum totalUnavailableMs', () => {
    const a = analyseAvailability(
      input({
        confirmGaps: [
          {fromMs: 10_000, toMs: 12_000},
          {fromMs: 30_000.04, toMs: 35_000.08},
        ],
        deliveryGaps: [{fromMs: 30_100, toMs: 35_200}],
      }),
    )
    expect(a.windows.map((w) => [w.fromMs, w.toMs, w.durationMs])).toEqual([
      [10_000, 12_000, 2000],
      [30_000, 35_200, 5200],
    ])
    expect(a.windows[0].consume).toBeNull()
    expect(a.windows[1].publish).toEqual({lastConfirmBeforeMs: 30_000, firstConfirmAfterMs: 35_000.1})
    expect(a.unavailableMs).toBe(5200)
    expect(a.totalUnavailableMs).toBe(7200)
  })

  it('merges silences that only touch, and reports the longest silence of a side', () => {
    const a = analyseAvailability(
      input({
        confirmGaps: [
          {fromMs: 10_000, toMs: 11_000},
          {fromMs: 11_200, toMs: 13_000},
        ],
        deliveryGaps: [{fromMs: 11_000, toMs: 11_600}],
      }),
    )
    expect(a.windows).toHaveLength(1)
    expect(a.windows[0]).toMatchObject({fromMs: 10_000, toMs: 13_000, publish: {lastConfirmBeforeMs: 11_200, firstConfirmAfterMs: 13_000}})
  })

  it('ignores silences below the threshold', () => {
    const a = analyseAvailability(input({minGapMs: 2000, confirmGaps: [{fromMs: 1000, toMs: 2999}], deliveryGaps: [{fromMs: 5000, toMs: 6500}]}))
    expect(a.windows).toEqual([])
    expect(a.unavailableMs).toBe(0)
    expect(a.totalUnavailableMs).toBe(0)
  })

  it('counts a silence still going on at the end as a window that did not recover', () => {
    const lost: RunEvent = {kind: 'gave-up', atMs: 50_000, role: 'consumer', index: 0, message: 'recover budget spent'}
    const a = analyseAvailability(
      input({
        events: [lost],
        publishing: {lastConfirmMs: 40_000, endMs: 60_000, unconfirmedAtEnd: 12},
        consuming: {lastDeliveryMs: 40_200, endMs: 70_000, expectedMore: true},
      }),
    )
    expect(a.windows).toEqual([
      {
        fromMs: 40_000,
        toMs: 70_000,
        durationMs: 30_000,
        recovered: false,
        publish: {lastConfirmBeforeMs: 40_000, firstConfirmAfterMs: null},
        consume: {lastDeliveryBeforeMs: 40_200, firstDeliveryAfterMs: null},
        events: [lost],
      },
    ])
    // Nothing outstanding, nothing expected: a quiet end is no outage.
    expect(analyseAvailability(input({publishing: {lastConfirmMs: 40_000, endMs: 60_000, unconfirmedAtEnd: 0}, consuming: null})).windows).toEqual([])
    // A run that never got a confirm was unavailable from the start.
    expect(analyseAvailability(input({publishing: {lastConfirmMs: null, endMs: 5000, unconfirmedAtEnd: 3}, consuming: null})).windows[0]).toMatchObject({
      fromMs: 0,
      toMs: 5000,
      recovered: false,
    })
  })

  it('a window is not recovered when one side came back and the other did not', () => {
    const a = analyseAvailability(
      input({confirmGaps: [{fromMs: 20_000, toMs: 26_000}], consuming: {lastDeliveryMs: 20_100, endMs: 60_000, expectedMore: true}}),
    )
    expect(a.windows).toHaveLength(1)
    expect(a.windows[0]).toMatchObject({
      fromMs: 20_000,
      toMs: 60_000,
      recovered: false,
      publish: {firstConfirmAfterMs: 26_000},
      consume: {firstDeliveryAfterMs: null},
    })
  })

  it(`gives a window the events from ${EVENT_LEAD_MS} ms before it to its end, each event to one window only`, () => {
    const events: RunEvent[] = [
      {kind: 'fault-started', atMs: 8_900, command: 'too early'},
      {kind: 'fault-started', atMs: 9_000, command: 'lead-in'},
      {kind: 'fault-ended', atMs: 12_000, command: 'lead-in', exitCode: 0, signal: null},
      {kind: 'fault-started', atMs: 12_500, command: 'between, in the next one’s lead-in'},
      {kind: 'fault-ended', atMs: 14_001, command: 'after'},
    ].map((e) => ({exitCode: null, signal: null, ...e}) as RunEvent)
    const a = analyseAvailability(
      input({
        events,
        confirmGaps: [
          {fromMs: 10_000, toMs: 12_000},
          {fromMs: 13_000, toMs: 14_000},
        ],
      }),
    )
    expect(a.windows.map((w) => w.events.map((e) => e.atMs))).toEqual([[9000, 12_000], [12_500]])
  })
})

describe('SendTimeLatency', () => {
  it('splits latency by send time: messages sent inside a window vs the rest', () => {
    const recorder = new SendTimeLatency(250)
    const ms = 1e6 // ns
    // 0–20 s and 26.5–40 s: 1 ms; sent during the outage (20–26.5 s): 5 s.
    for (let sendMs = 0; sendMs < 40_000; sendMs += 10) recorder.record(sendMs, sendMs >= 20_000 && sendMs < 26_500 ? 5000 * ms : 1 * ms)
    const a = analyseAvailability(
      input({confirmGaps: [{fromMs: 20_000, toMs: 26_000}], deliveryGaps: [{fromMs: 20_010, toMs: 26_500}], latency: {recorder, kind: 'endToEndCorrected'}}),
    )
    expect(a.latency).not.toBeNull()
    const {inside, outside, bucketMs, kind} = a.latency!
    expect([bucketMs, kind]).toEqual([250, 'endToEndCorrected'])
    expect(inside!.count).toBe(650)
    expect(inside!.p50).toBe(5000) // all equal: clamped to the exact min = max
    expect(inside!.max).toBe(5000)
    expect(outside!.count).toBe(4000 - 650)
    expect(outside!.p50).toBe(1)
    expect(outside!.p99_99).toBe(1)
    expect(outside!.mean).toBeCloseTo(1, 9)
  })

  it('reads percentiles within 1.6 % and keeps count, mean, min and max exact', () => {
    const recorder = new SendTimeLatency()
    const valuesMicros = Array.from({length: 10_000}, (_, i) => 50 + i * 7.3)
    valuesMicros.forEach((v, i) => {
      recorder.record(i, v * 1000)
    })
    const s = recorder.summary(() => true)!
    const sorted = [...valuesMicros].sort((x, y) => x - y)
    const at = (p: number) => sorted[Math.ceil((p / 100) * sorted.length) - 1] / 1000
    expect(s.count).toBe(10_000)
    expect(s.min).toBe(0.05)
    expect(s.max).toBe(Math.round(sorted.at(-1)!) / 1000)
    expect(s.mean).toBeCloseTo(valuesMicros.reduce((x, y) => x + y, 0) / valuesMicros.length / 1000, 9)
    for (const [p, key] of [
      [50, 'p50'],
      [90, 'p90'],
      [99, 'p99'],
      [99.9, 'p99_9'],
    ] as const)
      expect(Math.abs(s[key] / at(p) - 1), key).toBeLessThan(0.017)
    expect(recorder.summary(() => false)).toBeNull()
    expect(new SendTimeLatency().summary(() => true)).toBeNull()
  })

  it('bins are exact below 64 µs and at most 1/32 of their value wide above; ignores negative latency', () => {
    for (let v = 0; v < 64; v++) expect(latencyBinMidMicros(latencyBin(v))).toBe(v)
    for (const v of [64, 100, 1000, 12_345, 999_999, 5e9]) {
      const mid = latencyBinMidMicros(latencyBin(v))
      expect(Math.abs(mid - Math.min(v, 2 ** 32 - 1)) / v, String(v)).toBeLessThan(1 / 32)
    }
    const recorder = new SendTimeLatency()
    recorder.record(0, -5)
    recorder.record(-10, 2000) // before 0: first bucket
    expect(recorder.summary((from) => from === 0)!.count).toBe(1)
  })
})
