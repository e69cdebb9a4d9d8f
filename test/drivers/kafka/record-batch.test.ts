// record-batch.ts writes the bytes @platformatic/kafka's own createRecordsBatch writes for the same
// messages (the library is the reference; the broker's side, that such batches are taken and read
// back intact, is the Kafka publish and conformance tests). Also decoded with the library's reader.
import * as library from '@platformatic/kafka'
import {describe, expect, it} from 'vitest'
import {type BatchMessage, type BatchOptions, encodeRecordBatch} from '../../../src/drivers/kafka/produce/record-batch.js'

const codecs = {
  crc32c: (data: Buffer) => library.crc32c(data),
  compress: (algorithm: string) => (library.compressionsAlgorithms as Record<string, {bitmask: number; compressSync(data: Buffer): Buffer}>)[algorithm],
}

/** The library's bytes for `messages` (it mutates them: each gets a copy). */
function reference(messages: BatchMessage[], options: BatchOptions): Buffer {
  const copies = messages.map((m) => ({...m}))
  return library.createRecordsBatch(copies as never, options as never).buffer
}

const headers = (entries: Array<[string, string | undefined]>) =>
  new Map(entries.map(([name, value]) => [Buffer.from(name), value === undefined ? undefined : Buffer.from(value)]))

const T0 = 1_764_000_000_000n

describe('encodeRecordBatch', () => {
  const cases: Array<[string, BatchMessage[], BatchOptions]> = [
    ['one keyless record', [{topic: 't', partition: 0, value: Buffer.from('hello'), headers: new Map(), timestamp: T0}], {}],
    [
      'keys, empty and null values, headers (one with no value), later timestamps',
      [
        {topic: 't', partition: 2, key: Buffer.from('user1'), value: Buffer.from('login'), headers: headers([['source', 'import']]), timestamp: T0},
        {
          topic: 't',
          partition: 2,
          key: Buffer.alloc(0),
          value: Buffer.alloc(0),
          headers: headers([
            ['a', 'b'],
            ['empty', undefined],
          ]),
          timestamp: T0 + 7n,
        },
        {topic: 't', partition: 2, value: null, headers: new Map(), timestamp: T0 + 300_000n},
      ],
      {},
    ],
    [
      'varints past one byte: 200 records, a 300-byte value, a 20 000-byte one',
      Array.from({length: 200}, (_, i) => ({
        topic: 't',
        partition: 0,
        key: i % 3 === 0 ? Buffer.from(`k${i}`) : undefined,
        value: Buffer.alloc(i === 5 ? 20_000 : i === 7 ? 300 : 100, i),
        headers: new Map(),
        timestamp: T0 + BigInt(i),
      })),
      {},
    ],
    [
      'gzip',
      Array.from({length: 50}, (_, i) => ({topic: 't', partition: 0, value: Buffer.from(`line ${i}`), headers: new Map(), timestamp: T0})),
      {compression: 'gzip'},
    ],
    [
      'idempotent producer fields and a transaction',
      [{topic: 't', partition: 1, value: Buffer.from('x'), headers: new Map(), timestamp: T0}],
      {producerId: 42n, producerEpoch: 3, transactionalId: 'tx', sequences: {getWithDefault: (key: string) => (key === 't:1' ? 17 : -5)}},
    ],
  ]

  for (const [name, messages, options] of cases) {
    it(`writes the library's bytes: ${name}`, () => {
      const ours = encodeRecordBatch(messages, options, codecs)
      expect(ours.equals(reference(messages, options))).toBe(true)
      // and the library reads it back: count, keys, values, headers
      const batch = library.readRecordsBatch(library.Reader.from(ours))
      expect(batch.records).toHaveLength(messages.length)
      batch.records.forEach((record, i) => {
        expect(record.value ?? null).toEqual(messages[i].value ?? null)
        expect(record.key ?? null).toEqual(messages[i].key ?? null)
        expect(record.headers.length).toBe(messages[i].headers?.size ?? 0)
      })
    })
  }

  it('writes a string key and an object of string headers as their UTF-8 bytes, leaving undefined headers out', () => {
    const asText: BatchMessage[] = [
      {topic: 't', key: 'clé', value: Buffer.from('v'), headers: {source: 'import', dropped: undefined, ünï: 'cödé'}, timestamp: T0},
    ]
    const asBytes: BatchMessage[] = [
      {
        topic: 't',
        key: Buffer.from('clé'),
        value: Buffer.from('v'),
        headers: headers([
          ['source', 'import'],
          ['ünï', 'cödé'],
        ]),
        timestamp: T0,
      },
    ]
    expect(encodeRecordBatch(asText, {}, codecs).equals(reference(asBytes, {}))).toBe(true)
  })

  it('stamps messages without a timestamp with the time of encoding', () => {
    const before = BigInt(Date.now())
    const batch = library.readRecordsBatch(library.Reader.from(encodeRecordBatch([{topic: 't', partition: 0, value: Buffer.from('x')}], {}, codecs)))
    expect(batch.firstTimestamp).toBeGreaterThanOrEqual(before)
    expect(batch.firstTimestamp).toBeLessThanOrEqual(BigInt(Date.now()))
  })
})
