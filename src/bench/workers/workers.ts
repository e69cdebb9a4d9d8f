// --workers N: producers and consumers spread over N worker threads, so a load generator can
// use every core against a NETWORK broker. The main thread coordinates: it declares the queues,
// gives each worker a share (global producer/consumer ids, its part of --count and --rate),
// decides when the queues are drained, deletes the queues, and merges the workers' results
// exactly — latency histograms by HDR add (report/merge.ts), integrity by OR-ing the
// per-producer bitsets (a message produced in one thread is usually received in another).
//
// memory:// is refused: its broker lives in the thread that created it, so producers and
// consumers in other threads would each see an empty broker of their own. Running the broker in
// the main thread and relaying every message between threads would measure the relay, not the
// broker; a zero-broker run is CPU-bound on one core anyway.
import {Worker} from 'node:worker_threads'
import {createDriver} from '../../drivers/index.js'
import type {Driver} from '../../drivers/types.js'
import {errorFromWire, UsageError} from '../../errors.js'
import {mergeWorkerResults} from '../../results/merge.js'
import {unionSnapshots, type IntegritySnapshot} from '../integrity.js'
import type {BenchOptions} from '../options.js'
import type {BenchResult} from '../../results/document.js'
import {backlog} from '../backlog.js'
import {stampPlacement} from '../message/body-source.js'
import {benchQueueSpec} from '../queue-setup.js'
import {queueNames, type BenchEnvironment, type BenchStart} from '../runner.js'
import {shares} from '../shard.js'
import {TickMerger} from './merge-ticks.js'
import type {EventEmitter} from 'node:events'
import type {FromWorker, ToWorker, WorkerSetup} from './worker-protocol.js'

/** Refuse what cannot work before connecting anything. */
export function assertWorkersUsable(options: BenchOptions, scheme: string): void {
  const n = options.workers
  if (n <= 1) return
  if (scheme === 'memory') {
    throw new UsageError(
      `--workers ${n}: memory:// is a broker inside one thread, which worker threads cannot share; use --workers with amqp:// or kafka:// (or drop it: memory:// runs in one thread)`,
    )
  }
  if (n > Math.max(options.producers, options.consumers)) {
    throw new UsageError(`--workers must be at most the larger of --producers and --consumers (${Math.max(options.producers, options.consumers)}), got "${n}"`)
  }
}

/**
 * Runs the bench over `options.workers` threads. `events` (the command's runner, which progress
 * and --ndjson listen to) receives `start` and one merged `tick` per interval of all workers.
 */
export async function runWithWorkers(options: BenchOptions, env: BenchEnvironment, signal?: AbortSignal, events?: EventEmitter): Promise<BenchResult> {
  const o = options
  const names = queueNames(o)
  const admin: Driver = await createDriver(env.url, {clientName: `${env.clientName} admin`, connectTimeoutMs: env.connectTimeoutMs})
  await admin.connect()
  const workers: Worker[] = []
  try {
    for (const name of names) await admin.declare(benchQueueSpec(o, name))
    const producerShares = shares(o.producers, o.workers)
    const consumerShares = shares(o.consumers, o.workers)
    const results: Array<{result: BenchResult; integrity: IntegritySnapshot}> = []
    let produced = 0
    let producerBase = 0
    let consumerBase = 0
    const finished = o.workers
    const ticks = new TickMerger(o.workers, (merged) => events?.emit('tick', merged))
    events?.emit('start', {queues: names, backend: admin.backend, url: admin.displayUrl, options: o, plannedMs: o.durationMs} satisfies BenchStart)
    const done = new Promise<void>((resolve, reject) => {
      for (let w = 0; w < o.workers; w++) {
        const p = producerShares[w]
        const workerOptions: BenchOptions = {
          ...o,
          workers: 1,
          producers: p,
          consumers: consumerShares[w],
          queueName: names.length === 1 ? names[0] : names[0].replace(/-1$/, ''),
          keep: true,
          // Each worker carries its producers' part of the total count and rate.
          count:
            o.count === undefined
              ? undefined
              : shares(o.count, o.producers)
                  .slice(producerBase, producerBase + p)
                  .reduce((a, b) => a + b, 0),
          rate: o.rate?.map((step) => ({...step, perSecond: (step.perSecond * p) / o.producers})),
        }
        if (p === 0) workerOptions.rate = undefined
        const setup: WorkerSetup = {
          options: workerOptions,
          url: env.url,
          clientName: `${env.clientName} w${w + 1}`,
          mqkitVersion: env.mqkitVersion,
          connectTimeoutMs: env.connectTimeoutMs,
          producerBase,
          consumerBase,
        }
        producerBase += p
        consumerBase += consumerShares[w]
        const worker = new Worker(new URL('./worker-main.js', import.meta.url), {workerData: setup})
        workers.push(worker)
        worker.on('message', (message: FromWorker) => {
          if (message.type === 'tick') ticks.add(w, message.stats)
          else if (message.type === 'produced') {
            if (++produced === o.workers)
              void drainAll(admin, names, o.drainTimeoutMs).then(() => {
                for (const x of workers) x.postMessage({type: 'drained'} satisfies ToWorker)
              })
          } else if (message.type === 'result') {
            results.push(message)
            if (results.length === finished) resolve()
          } else reject(errorFromWire(message))
        })
        worker.on('error', reject)
      }
    })
    const onAbort = () => {
      for (const x of workers) x.postMessage({type: 'stop'} satisfies ToWorker)
    }
    signal?.addEventListener('abort', onAbort)
    try {
      await done
    } finally {
      signal?.removeEventListener('abort', onAbort)
    }
    // The workers have closed their consumers: ready is exact (backlog.ts).
    const leftInQueue = await backlog(admin, names, {readyOnly: true}).catch(() => 0)
    // A message produced in one thread is usually received in another: integrity comes from the
    // union of the threads' bitsets, not from their per-thread counts.
    const integrity = unionSnapshots(results.map((r) => r.integrity)).figures(o.consumers > 0 ? leftInQueue : 0)
    if (o.consumers === 0) integrity.leftInQueue = leftInQueue
    return mergeWorkerResults(
      results.map((r) => r.result),
      {
        integrity,
        workload: {...workloadOf(o), stamp: stampPlacement(o, admin.backend), mode: o.rate ? 'open-loop' : 'closed-loop'},
        queues: names,
        server: admin.serverInfo ? await admin.serverInfo().catch(() => null) : null,
      },
    )
  } finally {
    await Promise.all(workers.map((w) => w.terminate().catch(() => 0)))
    if (!o.keep) for (const name of names) await admin.delete(name).catch(() => {})
    await admin.close().catch(() => {})
  }
}

/** The options as a result's `workload` shows them: a shard's place is in `meta.shard`. */
function workloadOf(options: BenchOptions): BenchOptions {
  const {shard: _shard, ...workload} = options
  return workload
}

/** Every producer is done: wait until the queues hold nothing (twice in a row, 250 ms apart). */
async function drainAll(admin: Driver, names: string[], timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs
  let emptyInARow = 0
  while (performance.now() < deadline && emptyInARow < 2) {
    const inQueue = await backlog(admin, names).catch(() => 1)
    emptyInARow = inQueue === 0 ? emptyInARow + 1 : 0
    await new Promise((r) => setTimeout(r, 250))
  }
}
