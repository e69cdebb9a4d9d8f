// A fetched Kafka record as the contract's Delivery. ack/nack both end in `settle` (the commit
// bookkeeping stays with the subscription); nack(requeue) is refused: a log cannot put one
// message back, and dropping it (requeue=false) means moving past it.
import type {KafkaMessage} from 'kafkajs'
import {UnsupportedError} from '../../errors.js'
import type {Delivery} from '../types.js'
import {headersFromRecord} from './headers.js'

export interface DeliverySettlement {
  autoAck: boolean
  settled: () => boolean
  settle: () => Promise<void>
}

export function deliveryFrom(topic: string, partition: number, message: KafkaMessage, redelivered: boolean, s: DeliverySettlement): Delivery {
  const received = headersFromRecord(message.headers)
  return {
    queue: topic,
    body: message.value ?? Buffer.alloc(0),
    key: message.key === null || message.key === undefined ? undefined : message.key.toString(),
    headers: received.headers,
    messageId: received.messageId,
    correlationId: received.correlationId,
    contentType: received.contentType,
    redelivered,
    deliveryCount: redelivered ? 2 : 1,
    timestampMs: Number(message.timestamp) || 0,
    partition,
    offset: message.offset,
    ack: () => (s.autoAck ? Promise.resolve() : s.settle()),
    nack: (requeue: boolean) => {
      if (s.autoAck || s.settled()) return Promise.resolve()
      if (requeue) return Promise.reject(new UnsupportedError('nack with requeue is not supported on kafka:// (a log cannot put one message back)'))
      return s.settle()
    },
  }
}
