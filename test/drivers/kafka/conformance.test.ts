// The shared conformance suite on kafka:// (the project's own broker, scripts/kafka.sh), once per
// wire client the URL offers (?client=).
import {createDriver} from '../../../src/drivers/index.js'
import {KAFKA_URL, kafkaAvailable} from '../../helpers/brokers.js'
import {runConformance} from '../../conformance/suite.js'
import {CLIENTS, withClient} from './helpers.js'

for (const client of CLIENTS)
  runConformance(`kafka ?client=${client}`, () => createDriver(withClient(KAFKA_URL, client), {clientName: 'mqkit-conformance', connectTimeoutMs: 10_000}), {
    available: kafkaAvailable,
    features: {
      priority: false,
      ttl: false,
      messageTtl: false,
      deadLetter: false,
      maxLength: false,
      requeue: false,
      deliveryCount: false,
      ordering: 'partition',
      partitions: true,
      persistence: true,
      competingConsumers: true,
      exchanges: false,
      redeliverOnClose: true,
      crossProcess: true,
      endOfLog: true,
      backlogIsGroupLag: true,
    },
    // A log: no requeue, expiry, dead letters, priority or length limits.
    skips: [
      'nack(requeue) redelivers at the head with redelivered=true and deliveryCount 2',
      'queue TTL expires messages that nobody consumed',
      'expired messages are dead-lettered',
      'nack(requeue=false) dead-letters the message',
      'per-message expiration drops the expired message only',
      'priority: higher first, FIFO within a priority, above maxPriority clamped',
      'maxLength with drop-head keeps the newest messages',
      'maxLength drop-head dead-letters the dropped messages',
      'maxLength with reject-publish rejects the publish with a DeliveryError',
    ],
  })
