// The shared conformance suite, unchanged, against the real RabbitMQ.
import {createDriver} from '../../../src/drivers/index.js'
import {AMQP_URL, amqpAvailable} from '../../helpers/brokers.js'
import {EXIT_AT_END, runConformance} from '../../conformance/suite.js'

const ctx = {clientName: 'mqkit conformance amqp', connectTimeoutMs: 5000}

runConformance('amqp', () => createDriver(AMQP_URL, ctx), {
  available: amqpAvailable,
  features: {
    priority: true,
    ttl: true,
    messageTtl: true,
    deadLetter: true,
    maxLength: true,
    requeue: true,
    // Classic queues have only the redelivered flag; quorum counts are in features.test.ts.
    deliveryCount: false,
    ordering: 'queue',
    partitions: false,
    persistence: true,
    competingConsumers: true,
    exchanges: true,
    redeliverOnClose: true,
    crossProcess: true,
    missingQueueOnPublish: 'not-found',
    endsOnDelete: true,
    keyPreserved: false,
  },
  skips: [EXIT_AT_END],
})
