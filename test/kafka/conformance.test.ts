// The shared conformance suite on kafka:// (the project's own broker, scripts/kafka.sh).
import {createDriver} from '../../src/drivers/index.js'
import {KAFKA_URL, kafkaAvailable} from '../helpers/brokers.js'
import {runConformance} from '../conformance/suite.js'

runConformance('kafka', () => createDriver(KAFKA_URL, {clientName: 'mqkit-conformance', connectTimeoutMs: 10_000}), {available: kafkaAvailable})
