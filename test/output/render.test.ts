// Renderers are pure: fixed results in, fixed text out.
import {describe, expect, it} from 'vitest'
import {renderInspectTable} from '../../src/output/inspect-table.js'
import {outputWidth} from '../../src/output/table.js'
import {compileLineFormat} from '../../src/output/line-format.js'
import {UsageError} from '../../src/errors.js'
import {bodyFields, textLine} from '../../src/output/messages.js'
import {consumeSummary, publishSummary} from '../../src/output/summaries.js'
import type {Delivery} from '../../src/drivers/types.js'

describe('renderers', () => {
  it('publish summary', () => {
    const text = publishSummary({confirmed: 12345, failed: {nacked: 2, unroutable: 0, rejected: 1}, elapsedMs: 1520, ratePerSec: 8121.7}, 'orders')
    expect(text).toBe('published to orders: 12,345 confirmed, 2 nacked, 1 rejected in 1.52 s (8122 /s)')
  })

  it('consume summary', () => {
    const text = consumeSummary({count: 10, returned: 4, meanHandlingMs: 0.812, elapsedMs: 20, ratePerSec: 3437.2, ended: 'count'}, 'orders')
    expect(text).toBe('consumed from orders: 10 messages, 4 returned to the queue, mean handling 812 µs, 3437 /s (count reached)')
    expect(consumeSummary({count: 1, returned: 0, meanHandlingMs: 0, elapsedMs: 0, ratePerSec: null, ended: 'idle'}, 'q')).toBe(
      'consumed from q: 1 message, mean handling 0 µs, - (idle timeout)',
    )
    expect(publishSummary({confirmed: 0, failed: {nacked: 0, unroutable: 0, rejected: 0}, elapsedMs: 0, ratePerSec: 0}, 'q')).toBe(
      'published to q: 0 confirmed',
    )
  })

  it('inspect table: lag column only when present, extras as columns, source below', () => {
    const text = renderInspectTable({
      atMs: 0,
      queues: [
        {name: 'a', ready: 1200, inFlight: 3, consumers: 1, lag: 5, extras: {type: 'quorum'}},
        {name: 'b', ready: 0, inFlight: 0, consumers: 0, extras: {}},
      ],
      source: 'management API',
      extras: {vhost: '/'},
    })
    expect(text.split('\n')).toEqual([
      '┌───────┬───────┬───────────┬───────────┬─────┬────────┐',
      '│ queue │ ready │ in flight │ consumers │ lag │ type   │',
      '├───────┼───────┼───────────┼───────────┼─────┼────────┤',
      '│ a     │ 1,200 │         3 │         1 │   5 │ quorum │',
      '│ b     │     0 │         0 │         0 │   - │ -      │',
      '└───────┴───────┴───────────┴───────────┴─────┴────────┘',
      'source: management API',
      'vhost: /',
    ])
  })

  // What a RabbitMQ queue looks like with the management API (about 270 columns in one table
  // before), and by passive declare alone, where in flight is not known.
  const rabbit = {
    atMs: 0,
    queues: [
      {
        name: 'orders.incoming',
        ready: 22508,
        inFlight: 1200,
        consumers: 4,
        extras: {
          inFlightKnown: true,
          type: 'quorum',
          state: 'running',
          durable: true,
          memoryBytes: 1_572_864,
          publishRatePerSec: 11041.2,
          deliverRatePerSec: 10998.73,
          arguments: {'x-max-length': 100000, 'x-message-ttl': 60000, 'x-dead-letter-exchange': 'orders.dlx', 'x-queue-type': 'quorum'},
          inFlightSampled: true,
        },
      },
      {
        name: 'jobs',
        ready: 3,
        inFlight: 0,
        consumers: 0,
        extras: {
          inFlightKnown: true,
          type: 'classic',
          state: undefined,
          durable: false,
          memoryBytes: 10_904,
          publishRatePerSec: 0,
          deliverRatePerSec: 0,
          arguments: {},
          inFlightSampled: true,
        },
      },
    ],
    source: 'passive declare + management API http://127.0.0.1:15672',
    extras: {vhost: '/', broker: '127.0.0.1:5672'},
  }

  it('inspect table: RabbitMQ fits 80 and 120 columns, with readable names and formatted figures', () => {
    expect(renderInspectTable(rabbit, {width: 80}).split('\n')).toEqual([
      '┌─────────────────┬────────┬───────────┬───────────┬─────────┬─────────┐',
      '│ queue           │  ready │ in flight │ consumers │ type    │ state   │',
      '├─────────────────┼────────┼───────────┼───────────┼─────────┼─────────┤',
      '│ orders.incoming │ 22,508 │     1,200 │         4 │ quorum  │ running │',
      '│ jobs            │      3 │         0 │         0 │ classic │ -       │',
      '└─────────────────┴────────┴───────────┴───────────┴─────────┴─────────┘',
      '┌─────────────────┬─────────┬──────────┬──────────────┬──────────────┐',
      '│ queue           │ durable │   memory │ publish rate │ deliver rate │',
      '├─────────────────┼─────────┼──────────┼──────────────┼──────────────┤',
      '│ orders.incoming │ true    │ 1.50 MiB │     11.0 k/s │     11.0 k/s │',
      '│ jobs            │ false   │ 10.6 KiB │       0.0 /s │       0.0 /s │',
      '└─────────────────┴─────────┴──────────┴──────────────┴──────────────┘',
      '┌─────────────────┬────────────────────────────────────────────────────────────┐',
      '│ queue           │ arguments                                                  │',
      '├─────────────────┼────────────────────────────────────────────────────────────┤',
      '│ orders.incoming │ x-max-length=100000, x-message-ttl=60000,                  │',
      '│                 │ x-dead-letter-exchange=orders.dlx, x-queue-type=quorum     │',
      '│ jobs            │ -                                                          │',
      '└─────────────────┴────────────────────────────────────────────────────────────┘',
      'source: passive declare + management API http://127.0.0.1:15672',
      'vhost: /',
      'broker: 127.0.0.1:5672',
    ])
    for (const width of [80, 120]) {
      const lines = renderInspectTable(rabbit, {width}).split('\n')
      expect(Math.max(...lines.map((line) => [...line].length)), `width ${width}`).toBeLessThanOrEqual(width)
      expect(lines.join('\n')).not.toMatch(/inFlightKnown|inFlightSampled|publishRatePerSec|memoryBytes|11041/)
    }
    expect(renderInspectTable(rabbit, {width: 120}).split('\n')[1]).toBe(
      '│ queue           │  ready │ in flight │ consumers │ type    │ state   │ durable │   memory │ publish rate │',
    )
    const passive = renderInspectTable(
      {
        atMs: 0,
        queues: [{name: 'orders', ready: 2, inFlight: 0, consumers: 1, extras: {inFlightKnown: false}}],
        source: 'passive declare',
        extras: {vhost: '/'},
      },
      {width: 80},
    )
    expect(passive.split('\n')).toEqual([
      '┌────────┬───────┬───────────┬───────────┐',
      '│ queue  │ ready │ in flight │ consumers │',
      '├────────┼───────┼───────────┼───────────┤',
      '│ orders │     2 │         ? │         1 │',
      '└────────┴───────┴───────────┴───────────┘',
      'in flight ?: unknown here (a passive declare counts only ready messages)',
      'source: passive declare',
      'vhost: /',
    ])
  })

  it('inspect table: a list of records (Kafka partitions) is counted in its column and gets a table per queue', () => {
    const snapshot = {
      atMs: 0,
      queues: [
        {
          name: 'orders',
          ready: 1,
          inFlight: 0,
          consumers: 0,
          lag: 1,
          extras: {
            partitions: [
              {partition: 0, latest: 2, committed: 2, lag: 0},
              {partition: 1, latest: 1, committed: null, lag: 1},
            ],
            replication: 1,
          },
        },
        {name: 'empty', ready: 0, inFlight: 0, consumers: 0, lag: 0, extras: {partitions: [], replication: 1}},
      ],
      source: 'Kafka admin API',
      extras: {brokers: ['a:9092', 'b:9092']},
    }
    expect(renderInspectTable(snapshot).split('\n')).toEqual([
      '┌────────┬───────┬───────────┬───────────┬─────┬────────────┬─────────────┐',
      '│ queue  │ ready │ in flight │ consumers │ lag │ partitions │ replication │',
      '├────────┼───────┼───────────┼───────────┼─────┼────────────┼─────────────┤',
      '│ orders │     1 │         0 │         0 │   1 │          2 │           1 │',
      '│ empty  │     0 │         0 │         0 │   0 │          0 │           1 │',
      '└────────┴───────┴───────────┴───────────┴─────┴────────────┴─────────────┘',
      'partitions of "orders":',
      '┌───────────┬────────┬───────────┬─────┐',
      '│ partition │ latest │ committed │ lag │',
      '├───────────┼────────┼───────────┼─────┤',
      '│         0 │      2 │         2 │   0 │',
      '│         1 │      1 │         - │   1 │',
      '└───────────┴────────┴───────────┴─────┘',
      'source: Kafka admin API',
      'brokers: a:9092, b:9092',
    ])
    const counted = renderInspectTable(snapshot, {details: false}).split('\n')
    expect(counted).not.toContain('partitions of "orders":')
    expect(counted).toContain('(partitions: a row each when the queue is named, e.g. inspect orders)')
  })

  it('tables fit the output: a terminal its width, anything else COLUMNS, else 80', () => {
    expect(outputWidth({isTTY: true, columns: 132}, {})).toBe(132)
    expect(outputWidth({isTTY: false, columns: 132}, {COLUMNS: '100'})).toBe(100)
    expect(outputWidth({isTTY: false}, {})).toBe(80)
    expect(outputWidth({isTTY: false}, {COLUMNS: 'wide'})).toBe(80)
  })

  it('consume --format: kcat -f tokens and escapes, body bytes unchanged, absent fields empty, bad formats refused', () => {
    const kafka = {
      queue: 'events',
      body: Buffer.from([0x68, 0xff]),
      key: 'clé',
      headers: {a: '1', b: 'x'},
      partition: 2,
      offset: '41',
      timestampMs: 1700000000000,
    } as Delivery
    const line = compileLineFormat('%t [%p] @%o %k=%s %S/%K %T {%h} 100%%\\t\\\\\\n')(kafka)
    expect(
      line.equals(Buffer.concat([Buffer.from('events [2] @41 clé='), Buffer.from([0x68, 0xff]), Buffer.from(' 2/4 1700000000000 {a=1,b=x} 100%\t\\\n')])),
    ).toBe(true)
    const queued = {queue: 'jobs', body: Buffer.from('x'), headers: {}, timestampMs: 0} as unknown as Delivery
    expect(compileLineFormat('%t|%p|%o|%k|%K|%h|%s')(queued).toString()).toBe('jobs||||-1||x')
    expect(compileLineFormat('%s')(queued).toString()).toBe('x') // no newline added
    for (const bad of ['%x', 'a%', 'a\\', '\\q']) expect(() => compileLineFormat(bad)).toThrow(UsageError)
    expect(() => compileLineFormat('%x')).toThrow('unknown token "%x"')
  })

  it('message bodies: bytes unchanged in text, base64 in JSON only when not UTF-8', () => {
    const delivery = {body: Buffer.from([0x61, 0x0d]), key: 'k'} as Delivery
    expect([...textLine(delivery)]).toEqual([0x61, 0x0d, 0x0a])
    expect(textLine(delivery, '\t').toString()).toBe('k\ta\r\n')
    expect(bodyFields(Buffer.from('héllo'))).toEqual({body: 'héllo'})
    expect(bodyFields(Buffer.from([0xff]))).toEqual({bodyBase64: '/w=='})
  })
})
