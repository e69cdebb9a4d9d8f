// Entry point of one --workers thread: runs its share of producers and consumers through an
// ordinary BenchRunner (own connections, own histograms), lets the coordinator decide when the
// queues are drained, and posts back its result and integrity bitsets for the exact merge.
import {parentPort, workerData} from 'node:worker_threads'
import type {IntervalStats} from '../measurements.js'
import {errorToWire} from '../../errors.js'
import {BenchRunner} from '../runner.js'
import type {FromWorker, ToWorker, WorkerSetup} from './worker-protocol.js'

const setup = workerData as WorkerSetup
const port = parentPort!
const post = (message: FromWorker) => port.postMessage(message)

let drained: (() => void) | undefined
const interrupt = new AbortController()
port.on('message', (message: ToWorker) => {
  if (message.type === 'drained') drained?.()
  else if (message.type === 'stop') interrupt.abort()
})

const runner = new BenchRunner(setup.options, {
  url: setup.url,
  clientName: setup.clientName,
  mqkitVersion: setup.mqkitVersion,
  connectTimeoutMs: setup.connectTimeoutMs,
  worker: {
    producerBase: setup.producerBase,
    consumerBase: setup.consumerBase,
    queuesDeclared: true,
    drain: () =>
      new Promise<void>((resolve) => {
        drained = resolve
        post({type: 'produced'})
      }),
  },
})

runner.on('tick', (stats: IntervalStats) => post({type: 'tick', stats}))
try {
  const result = await runner.run(interrupt.signal)
  post({type: 'result', result, integrity: runner.integrity!.snapshot()})
} catch (error) {
  post({type: 'error', ...errorToWire(error)})
}
port.close()
