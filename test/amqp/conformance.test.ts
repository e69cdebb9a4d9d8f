// The shared conformance suite, unchanged, against the real RabbitMQ.
import {createDriver} from '../../src/drivers/index.js'
import {AMQP_URL, amqpAvailable} from '../helpers/brokers.js'
import {runConformance} from '../conformance/suite.js'

const ctx = {clientName: 'mqkit conformance amqp', connectTimeoutMs: 5000}

runConformance('amqp', () => createDriver(AMQP_URL, ctx), {available: amqpAvailable})
