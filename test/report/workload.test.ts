// Which settings make two results one workload (merge) and which differ (compare).
import {describe, expect, it} from 'vitest'
import {mergeResults} from '../../src/results/merge.js'
import {mergeDifferences, settingDifferences} from '../../src/results/workload.js'
import {fixture, OPEN_LOOP_FILE} from './fixtures.js'

const open = fixture(OPEN_LOOP_FILE)
const withWorkload = (changes: Partial<typeof open.workload>) => ({...open, workload: {...open.workload, ...changes}})

describe('one workload', () => {
  it("generators' shares may differ (producers, consumers, count, each step's rate, own queue); the step lengths may not", () => {
    const share = withWorkload({producers: 4, consumers: 2, workers: 2, rate: [{perSecond: 500}], queueName: 'mine', queues: 2, intervalMs: 250, keep: true})
    expect(mergeDifferences([open, share])).toEqual([])
    expect(mergeResults([open, share], ['a', 'b']).workload).toMatchObject({producers: 5, consumers: 3, rate: [{perSecond: 2500}]})
    const steps = (durations: number[]) => withWorkload({rate: durations.map((durationMs) => ({perSecond: 1000, durationMs}))})
    expect(mergeDifferences([steps([1000, 2000]), steps([1000, 3000])])).toEqual([
      {field: 'rate', flag: '--rate steps', values: ['1.00 s, 2.00 s', '1.00 s, 3.00 s']},
    ])
  })

  it('everything else must match; results saved before a field existed read as its default', () => {
    const {workMode: _omitted, ...older} = open.workload
    expect(mergeDifferences([open, {...open, workload: older as typeof open.workload}, withWorkload({workMode: 'sleep', stamp: 'body'})])).toEqual([])
    expect(
      mergeDifferences([open, withWorkload({work: {kind: 'fixed', ms: 2}, sizeBytes: 512, maxSizeBytes: 4096, persistent: true})]).map((d) => [
        d.flag,
        d.values,
      ]),
    ).toEqual([
      ['--size', ['1.0 KiB', '512 B-4.0 KiB']],
      ['--work', ['none', '2.00 ms']],
      ['--persistent', ['false', 'true']],
    ])
    expect(() => mergeResults([open, withWorkload({prefetch: 5})], ['a.json', 'b.json'])).toThrow(
      'cannot merge a.json and b.json: not runs of one workload (--prefetch a.json 100, b.json 5)',
    )
  })

  it('--compare lists every differing setting, the per-generator ones too', () => {
    expect(settingDifferences(open, withWorkload({producers: 2, queueName: 'other'}))).toEqual([{field: 'producers', flag: '--producers', values: ['1', '2']}])
  })
})
