import {Flags} from '@oclif/core'
import {BaseCommand, type BaseFlags} from '../base-command.js'
import {evaluateAssertions, type Assertion} from '../results/assert.js'
import {BENCH_DEFAULTS, benchOptionsFrom, type BenchOptions} from '../bench/options.js'
import {attachProgress} from '../bench/render/progress.js'
import {renderResult} from '../bench/render/render.js'
import type {BenchResult} from '../results/document.js'
import {BenchRunner, type BenchEnvironment} from '../bench/runner.js'
import {applyClientKnobs, withRecoveryHeartbeat} from '../bench/client-knobs.js'
import {assertWorkersUsable, runWithWorkers} from '../bench/workers/workers.js'
import {parseShard, shardOptions, withShardDefaults} from '../bench/shard.js'
import {UsageError} from '../errors.js'
import {parseUrl, redactWholeUrl} from '../url.js'
import {formatQuantity} from '../output/format.js'
import type {IntervalStats} from '../bench/measurements.js'
import {AssertionFailedError, InterruptedError, type MqkitError} from '../errors.js'
import {capacityFailure} from '../capacity/failure.js'
import {capacityPlanFromFlags, capacityRequested, refuseStrayCapacityFlags} from '../capacity/flags.js'
import {parseFaults} from '../bench/faults/fault.js'
import {DEFAULT_RECOVER_TIMEOUT_MS, recoverBudgetMs} from '../core/recover-budget.js'
import {acksFlag, assertionFlag, durationFlag, integerFlag, rateFlag, rateStepsFlag, shareFlag, sizeRangeFlag, sloFlag, sweepFlag, workFlag} from '../flags.js'
import {SEARCH_DEFAULTS} from '../capacity/criteria.js'
import {attachCapacityProgress} from '../capacity/progress.js'
import {renderCapacity} from '../capacity/render.js'
import {CapacityRunner, type CapacityResult} from '../capacity/run.js'

import {assertHtmlWritable, writeHtmlReport} from '../report/html.js'
import type {StepRecord} from '../results/capacity.js'

const WORKLOAD = 'WORKLOAD'
const LOAD = 'LOAD SHAPE'
const OUTPUT = 'OUTPUT'
const CAPACITY = 'CAPACITY'
const SHARDS = 'SHARDS'
const FAILURES = 'BROKER FAILURES'

export default class Bench extends BaseCommand<typeof Bench> {
  static override summary = 'Load-test a broker: throughput, latency percentiles, handling time, queue length and message integrity.'

  static override description =
    `Declares its own queue(s) (mqkit-bench-<id>, deleted afterwards unless --keep), opens one connection per producer and per consumer, and measures with lossless HDR histograms: publish latency (send→confirm), end-to-end latency (send→receive, monotonic nanosecond clock carried in a 40-byte stamp at the start of each body), and in open loop (--rate) end-to-end from the INTENDED send time, which corrects for coordinated omission. Also: consumer handling time, published/consumed msg/s and MB/s, queue length sampled during the run with a Little's-law check (L = λW), and integrity from per-producer sequence numbers (lost, duplicated, out-of-order, left in queue).

Closed loop (default) publishes as fast as --confirm-window unconfirmed messages allow. Open loop (--rate) sends on a schedule: uniform or --arrivals poisson, with steps such as --rate 1000:30s,5000:30s. --work simulates handling time. --work-mode sleep (default) waits on a timer, so with --prefetch > 1 a consumer handles messages concurrently like an IO-bound service: the mode for concurrency and capacity studies, though a busy event loop makes its waits overshoot. --work-mode spin busy-waits to the exact deadline, one message at a time per process, like CPU-bound work: the mode for precise, known handling times.

Tables go to stdout and live progress to stderr; --json prints the versioned result document instead (per-interval series and compressed histograms included); --ndjson streams one line per interval and the result last. --assert fails the run (exit 8) after printing results, for CI smoke tests.`

  static override examples = [
    {description: 'Zero-broker baseline (in-process memory://), 10 s closed loop, 1 KiB messages:', command: '<%= config.bin %> <%= command.id %>'},
    {
      description: 'RabbitMQ, 4 producers and 4 consumers, 30 s after a 5 s warmup:',
      command: '<%= config.bin %> <%= command.id %> --url amqp://guest:guest@localhost:5672 --producers 4 --consumers 4 --duration 30s --warmup 5s',
    },
    {
      description: 'RabbitMQ from 4 worker threads (every core), 8 producers and 8 consumers:',
      command: '<%= config.bin %> <%= command.id %> --url amqp://localhost --workers 4 --producers 8 --consumers 8 --duration 30s',
    },
    {
      description: 'Open loop at 2000 msg/s then 8000 msg/s, Poisson arrivals:',
      command: '<%= config.bin %> <%= command.id %> --rate 2000:20s,8000:20s --arrivals poisson',
    },
    {
      description: 'Capacity study: 5 ms handling time, prefetch 50:',
      command: '<%= config.bin %> <%= command.id %> --rate 5000 --duration 30s --work 5ms --prefetch 50',
    },
    {
      description: 'Precise 5 ms CPU-bound handling (busy-wait), one consumer at a time:',
      command: '<%= config.bin %> <%= command.id %> --rate 150 --count 3000 --work 5ms --work-mode spin --prefetch 1',
    },
    {
      description: 'CI smoke test: fail (exit 8) on slow or lost messages:',
      command:
        "<%= config.bin %> <%= command.id %> --url $MQKIT_URL --rate 1000 --duration 20s --assert 'e2e.p99<50ms' --assert lost=0 --assert duplicates=0 --quiet",
    },
    {
      description: 'Capacity: the highest rate held with corrected p99 ≤ 50 ms and no growing backlog:',
      command: "<%= config.bin %> <%= command.id %> --find-max --slo 'e2e.p99<=50ms' --work 2ms --consumers 4 --prefetch 10",
    },
    {
      description: 'Latency against rate: a sweep over shares of the maximum found first, with its knee:',
      command: '<%= config.bin %> <%= command.id %> --sweep 25%,50%,75%,90%,100% --work 2ms --consumers 4 --prefetch 10 --step-duration 3s --settle 1s',
    },
    {
      description: 'Broker restart smoke test (RabbitMQ on this host): restart it 10 s in, ride it out, fail on a lost confirmed message or a long outage:',
      command:
        "<%= config.bin %> <%= command.id %> --url amqp://guest:guest@localhost --rate 1000 --duration 30s --persistent --recover --fault-at 10s --fault-cmd 'rabbitmqctl stop_app && sleep 3 && rabbitmqctl start_app' --assert confirmed-lost=0 --assert 'unavailable<15s'",
    },
    {description: 'Machine-readable result:', command: '<%= config.bin %> <%= command.id %> --count 100000 --json > result.json'},
    {
      description: 'HTML report with latency spectrum and throughput/queue-length charts:',
      command: '<%= config.bin %> <%= command.id %> --duration 30s --rate 2000 --html bench.html',
    },
    {
      description: 'Shard 2 of 4 of one run on four hosts (run each index, then mqkit report merge the four files):',
      command:
        '<%= config.bin %> <%= command.id %> --url amqp://broker --shard 2/4 --run-id nightly-42 --start-at 2026-05-01T12:00:00Z --producers 8 --consumers 8 --rate 20000 --duration 60s --json > shard-2.json',
    },
    {
      description:
        "The same with one set of queues for all shards (consumers read any shard's messages; latencies on the hosts' wall clocks; delete the queue after the merge):",
      command:
        '<%= config.bin %> <%= command.id %> --url amqp://broker --shard 2/4 --run-id nightly-42 --start-at 2026-05-01T12:00:00Z --shared-queues --producers 8 --consumers 8 --rate 20000 --duration 60s --json > shard-2.json',
    },
  ]

  static override flags = {
    workers: integerFlag({
      min: 1,
      max: 256,
      summary:
        'Spread producers and consumers over N worker threads (network backends; results merged exactly). Not with memory://, whose broker lives in one thread. Default: 1.',
      helpGroup: WORKLOAD,
    }),
    producers: integerFlag({min: 1, max: 10_000, char: 'P', summary: `Producer connections. Default: ${BENCH_DEFAULTS.producers}.`, helpGroup: WORKLOAD}),
    consumers: integerFlag({
      min: 0,
      max: 10_000,
      char: 'C',
      summary: `Consumer connections (0: publish only). Default: ${BENCH_DEFAULTS.consumers}.`,
      helpGroup: WORKLOAD,
    }),
    queues: integerFlag({
      min: 1,
      max: 10_000,
      summary: `Queues; producers and consumers are spread over them. Default: ${BENCH_DEFAULTS.queues}.`,
      helpGroup: WORKLOAD,
    }),
    queue: Flags.string({summary: 'Queue name (prefix with --queues > 1). Default: mqkit-bench-<random id>.', helpGroup: WORKLOAD}),
    size: sizeRangeFlag({
      char: 's',
      summary: `Message size, e.g. 1KiB, or a uniform range 512-4KiB (min 40 bytes: the timing stamp). Default: ${BENCH_DEFAULTS.sizeBytes}.`,
      helpGroup: WORKLOAD,
    }),
    count: integerFlag({min: 1, char: 'n', summary: 'Stop after N messages in total (warmup included).', helpGroup: WORKLOAD}),
    duration: durationFlag({
      positive: true,
      char: 'd',
      summary: 'Produce for this long after warmup, e.g. 30s. Default: 10s when no --count.',
      helpGroup: WORKLOAD,
    }),
    warmup: durationFlag({summary: 'Exclude this leading period from the results, e.g. 5s. Default: 0.', helpGroup: WORKLOAD}),
    work: workFlag({
      summary: 'Simulated handling time per message: 2ms, a range 1ms-3ms, or exp:2ms (exponential mean); a unit is required.',
      helpGroup: WORKLOAD,
    }),
    'work-mode': Flags.option({
      summary:
        'How --work passes: sleep (timer wait; handlers overlap up to --prefetch, like IO-bound work) or spin (busy-wait to the exact deadline, one at a time, like CPU-bound work; precise). Default: sleep.',
      options: ['sleep', 'spin'] as const,
      helpGroup: WORKLOAD,
    })(),
    payload: Flags.string({
      summary: 'Payload bytes from FILE, sent behind the 40-byte timing stamp (the size is 40 + the file size; not with --size).',
      helpValue: 'FILE',
      helpGroup: WORKLOAD,
    }),
    key: Flags.string({char: 'k', summary: 'Record key on every message (Kafka: all to one partition).', helpGroup: WORKLOAD}),
    keys: integerFlag({
      min: 1,
      max: 1_000_000,
      summary: 'Keys key-0 … key-(N-1) in turn (Kafka: spread over partitions); order is then judged per key.',
      helpValue: 'N',
      helpGroup: WORKLOAD,
    }),
    persistent: Flags.boolean({summary: 'Persistent messages on durable queues.', helpGroup: WORKLOAD}),
    stamp: Flags.option({
      summary:
        'Where the timing stamp travels: body (its first 40 bytes) or header (mqkit-stamp; the body is the payload alone). Default: header on kafka://, body elsewhere.',
      options: ['body', 'header'] as const,
      helpGroup: WORKLOAD,
    })(),
    priority: integerFlag({min: 0, max: 255, summary: 'Message priority (queues are declared with this max priority).', helpGroup: WORKLOAD}),
    keep: Flags.boolean({summary: 'Keep the queues after the run.', helpGroup: WORKLOAD}),
    'queue-type': Flags.option({
      summary: 'RabbitMQ queue type of the bench queues (quorum and stream are durable). Default: classic.',
      options: ['classic', 'quorum', 'stream'] as const,
      helpGroup: WORKLOAD,
    })(),
    partitions: integerFlag({min: 1, max: 10_000, summary: 'Kafka: partitions per bench topic. Default: the broker default.', helpGroup: WORKLOAD}),
    rate: rateStepsFlag({char: 'r', summary: 'Open loop: total msg/s, or steps 1000:30s,5000:30s.', helpGroup: LOAD}),
    arrivals: Flags.option({summary: 'Open-loop arrivals.', options: ['uniform', 'poisson'] as const, helpGroup: LOAD})(),
    'confirm-window': integerFlag({
      min: 1,
      max: 1_000_000,
      summary: `Unconfirmed publishes per producer. Default: ${BENCH_DEFAULTS.confirmWindow}.`,
      helpGroup: LOAD,
    }),
    prefetch: integerFlag({min: 1, max: 65_535, summary: `Unacked deliveries per consumer. Default: ${BENCH_DEFAULTS.prefetch}.`, helpGroup: LOAD}),
    'multi-ack': integerFlag({
      min: 1,
      max: 65_535,
      summary: 'RabbitMQ: acknowledge every N messages at once (multiple=true). Default: each message.',
      helpValue: 'N',
      helpGroup: LOAD,
    }),
    mandatory: Flags.boolean({
      summary:
        'RabbitMQ: publish mandatory; a message the broker cannot route comes back and counts as a publish error. Default: off (the bench declared its queues; losses show in the integrity counts).',
      helpGroup: LOAD,
    }),
    acks: acksFlag({summary: 'Kafka: acknowledgements per publish. Default: all.', helpGroup: LOAD}),
    compression: Flags.string({summary: 'Kafka: producer compression (none or gzip). Default: none.', helpGroup: LOAD}),
    'batch-size': integerFlag({min: 1, max: 1_000_000, summary: 'Kafka: most messages per produce request. Default: 1000.', helpValue: 'N', helpGroup: LOAD}),
    linger: durationFlag({
      bareUnit: 'unit',
      summary: 'Kafka: how long a publish waits for others to join its batch, e.g. 5ms (a unit is required). Default: 0 (next event-loop turn).',
      helpGroup: LOAD,
    }),
    'drain-timeout': durationFlag({summary: 'After producing, wait at most this long for consumers. Default: 10s.', helpGroup: LOAD}),
    interval: durationFlag({positive: true, summary: 'Progress / --ndjson / series period. Default: 1s.', helpGroup: OUTPUT}),
    'sample-interval': durationFlag({positive: true, summary: 'Queue-length sampling period. Default: 100ms.', helpGroup: OUTPUT}),
    assert: assertionFlag({
      char: 'a',
      multiple: true,
      summary: "Fail with exit 8 unless it holds, e.g. 'p99<50ms', 'e2e.p99.9<200ms', 'throughput>=10000', lost=0, duplicates=0.",
      helpGroup: OUTPUT,
    }),
    html: Flags.string({summary: 'Also write a self-contained HTML report (charts, tables; no network needed) to FILE.', helpValue: 'FILE', helpGroup: OUTPUT}),
    ndjson: Flags.boolean({summary: 'Stream one JSON line per interval on stdout, then the result.', helpGroup: OUTPUT, exclusive: ['json']}),
    quiet: Flags.boolean({char: 'q', summary: 'No progress on stderr.', helpGroup: OUTPUT}),
    'find-max': Flags.boolean({
      summary:
        'Search for the highest rate the broker sustains (open loop): double from --start-rate until a step fails, bisect, confirm. Exit 10: no rate passed; 11: not confirmed.',
      helpGroup: CAPACITY,
    }),
    slo: sloFlag({
      multiple: true,
      multipleNonGreedy: true,
      summary:
        "A step passes only if this holds (the --assert syntax; e2e latencies are the corrected ones), e.g. 'e2e.p99<=50ms'. Default: none, only keeping up.",
      helpGroup: CAPACITY,
    }),
    sweep: sweepFlag({
      summary: 'Latency against rate: hold each rate (msg/s) or share of the found maximum (25%,50%,100%) and mark the knee.',
      helpValue: 'RATES',
      helpGroup: CAPACITY,
    }),
    'step-duration': durationFlag({
      minMs: 500,
      summary: `How long each capacity step is measured, after --settle. Default: ${SEARCH_DEFAULTS.stepMs / 1000}s.`,
      helpGroup: CAPACITY,
    }),
    settle: durationFlag({summary: `How long each step runs at its rate before measuring. Default: ${SEARCH_DEFAULTS.settleMs / 1000}s.`, helpGroup: CAPACITY}),
    'start-rate': rateFlag({min: 0.1, summary: `First rate the search tries, msg/s. Default: ${SEARCH_DEFAULTS.startRatePerSecond}.`, helpGroup: CAPACITY}),
    'max-rate': rateFlag({min: 0.1, summary: 'Highest rate the search tries, msg/s. Default: no limit.', helpGroup: CAPACITY}),
    shard: Flags.string({
      summary:
        'Run shard INDEX/COUNT of a workload split over COUNT processes (index from 0): its share of --producers, --consumers, --queues, --count and --rate, on queues of its own (<queue>-s<INDEX>) unless --shared-queues.',
      helpValue: 'INDEX/COUNT',
      helpGroup: SHARDS,
    }),
    shards: Flags.string({
      summary: 'The shard count, with the index from JOB_COMPLETION_INDEX (a Kubernetes Indexed Job).',
      helpValue: 'COUNT',
      helpGroup: SHARDS,
    }),
    'shared-queues': Flags.boolean({
      summary:
        "Every shard uses the run's one set of queues (<queue>, as one process names them) and its consumers read any shard's messages; needs --start-at. End-to-end latencies are then on the hosts' wall clocks (they depend on clock sync), integrity is judged by mqkit report merge from every shard's receipts, and the queues are kept: delete them after the merge.",
      helpGroup: SHARDS,
    }),
    'run-id': Flags.string({
      summary: 'Names the run every shard belongs to (the same for all; names the queues; merge checks it).',
      env: 'MQKIT_RUN_ID',
      helpValue: 'ID',
      helpGroup: SHARDS,
    }),
    'start-at': Flags.string({
      summary: 'Every shard connects, then waits for this time to start producing: seconds since the epoch, milliseconds, or ISO 8601. Default: now.',
      env: 'MQKIT_START_AT',
      helpValue: 'TIME',
      helpGroup: SHARDS,
    }),
    attempt: Flags.string({
      summary: 'Which try of this shard index this is (0 first): a retry gets producer ids no earlier try used. Default: 0.',
      env: 'MQKIT_ATTEMPT',
      helpValue: 'N',
      helpGroup: SHARDS,
    }),
    recover: Flags.boolean({
      summary:
        'Ride out a lost connection: reconnect with backoff, declare the queues again, re-subscribe, and go on; every message is accounted (confirmed and lost, in doubt, duplicates, left in queue) and the outage window measured. Default: off (a lost connection ends the run, exit 3).',
      helpGroup: FAILURES,
    }),
    'recover-timeout': durationFlag({
      positive: true,
      summary: `With --recover: give up (exit 3) when one outage lasts longer than this. Default: ${DEFAULT_RECOVER_TIMEOUT_MS / 1000}s.`,
      helpGroup: FAILURES,
    }),
    'fault-at': Flags.string({
      multiple: true,
      summary: 'When to run --fault-cmd, on the run clock (0 = production starts), e.g. 20s; repeat for several faults.',
      helpValue: 'TIME',
      helpGroup: FAILURES,
    }),
    'fault-cmd': Flags.string({
      multiple: true,
      summary:
        "Shell command run at --fault-at (e.g. 'rabbitmqctl stop_app; sleep 5; rabbitmqctl start_app'); its output goes to stderr, its start, end and exit status into the result.",
      helpValue: 'CMD',
      helpGroup: FAILURES,
    }),
    precision: shareFlag({
      summary: `Bisect until the failing rate is within this much above the passing one. Default: ${SEARCH_DEFAULTS.precision * 100}%.`,
      helpGroup: CAPACITY,
    }),
  }

  public async run(): Promise<BenchResult> {
    const {flags} = this
    refuseStrayCapacityFlags(flags)
    const shard = parseShard(flags)
    if (capacityRequested(flags)) {
      if (flags.recover || flags['fault-at'] !== undefined || flags['fault-cmd'] !== undefined) {
        throw new UsageError('--recover and --fault-at measure one run through a broker failure; --find-max and --sweep need a healthy broker at every step')
      }
      if (shard) throw new UsageError('--shard runs one share of a fixed workload; --find-max and --sweep search for a rate from one process')
      return this.runCapacity(flags)
    }
    const given = benchOptionsGiven(flags)
    const options = shard ? shardOptions(benchOptionsFrom(withShardDefaults(given, shard)), shard) : benchOptionsFrom(given)
    const {assertions, env} = this.prepare(flags, options)
    const json = this.jsonEnabled()
    const runner = new BenchRunner(options, env)
    const endProgress = attachProgress(runner, process.stderr, flags.quiet || json)
    if (flags.ndjson) runner.on('tick', (stats: IntervalStats) => process.stdout.write(`${JSON.stringify({type: 'interval', ...stats})}\n`))
    let result: BenchResult
    try {
      // --workers: the coordinator re-emits the workers' merged ticks on `runner` for progress.
      result = options.workers > 1 ? await runWithWorkers(options, runner.env, this.interrupt.signal, runner) : await runner.run(this.interrupt.signal)
    } finally {
      endProgress()
    }
    if (options.shard?.sharedQueues && !options.keep) this.diag(sharedQueuesKept(result.meta.queues, this.url))
    return this.finish(result, assertions, flags, () => renderResult(result, {colour: this.stdoutColour}))
  }

  /** --find-max / --sweep: one bench run per step (src/capacity/). */
  private async runCapacity(flags: BenchFlags): Promise<BenchResult> {
    // Poisson arrivals are an open-loop setting, and every step is open loop.
    const options = benchOptionsFrom({
      ...benchOptionsGiven(flags),
      arrivals: undefined,
      rate: undefined,
      count: undefined,
      durationMs: undefined,
      warmupMs: undefined,
    })
    if (flags.arrivals === 'poisson') options.arrivals = 'poisson'
    const plan = capacityPlanFromFlags(flags, options)
    const {assertions, env} = this.prepare(flags, options)
    const json = this.jsonEnabled()
    const runner = new CapacityRunner(plan, env)
    const endProgress = attachCapacityProgress(runner, process.stderr, flags.quiet || json)
    if (flags.ndjson) runner.on('step', (step: StepRecord) => process.stdout.write(`${JSON.stringify({type: 'step', ...step})}\n`))
    let result: CapacityResult
    try {
      result = await runner.run(this.interrupt.signal)
    } finally {
      endProgress()
    }
    return this.finish(result, assertions, flags, () => renderCapacity(result, {colour: this.stdoutColour}), capacityFailure(result.capacity))
  }

  /** Everything checked before a run starts (a typo or an unwritable report is a usage error now, not after a long run), and where it connects. */
  private prepare(flags: BenchFlags, options: BenchOptions): {assertions: Assertion[]; env: BenchEnvironment} {
    const assertions = flags.assert ?? []
    if (flags.html !== undefined) assertHtmlWritable(flags.html)
    const scheme = parseUrl(this.url).scheme
    if (options.shard && scheme === 'memory')
      throw new UsageError('--shard: memory:// is a broker inside one process, which shards on other processes cannot reach; use amqp://, kafka:// or file:')
    assertWorkersUsable(options, scheme)
    if (options.shard && !flags.quiet) {
      const s = options.shard
      const waitMs = s.startAtMs - Date.now()
      this.diag(
        `mqkit: shard ${s.index}/${s.count} of run ${s.runId} (attempt ${s.attempt}): ${formatQuantity(options.producers, 'producer')}, ${formatQuantity(options.consumers, 'consumer')}, ${options.queues === 1 ? `queue ${options.queueName}` : `queues ${options.queueName}-1…${options.queues}`}${waitMs > 1000 ? `; starts at ${new Date(s.startAtMs).toISOString()}` : ''}`,
      )
    }
    const context = this.driverContext({interruptible: false})
    const url =
      options.recoverMs === undefined ? applyClientKnobs(this.url, scheme, flags) : withRecoveryHeartbeat(applyClientKnobs(this.url, scheme, flags), scheme)
    const env = {url, clientName: context.clientName, connectTimeoutMs: context.connectTimeoutMs, mqkitVersion: this.config.version}
    return {assertions, env}
  }

  /** Assertions, --html, output and the exit code, the same for a run and a capacity search. */
  private finish(result: BenchResult, assertions: Assertion[], flags: BenchFlags, render: () => string, searchFailure?: MqkitError): BenchResult {
    const json = this.jsonEnabled()
    result.assertions = evaluateAssertions(assertions, result)
    if (flags.html !== undefined) this.diag(`mqkit: report written to ${writeHtmlReport(result, flags.html)}`)

    if (flags.ndjson) process.stdout.write(`${JSON.stringify({type: 'result', ...result})}\n`)
    else if (!json) process.stdout.write(render())
    const failed = result.assertions.filter((a) => !a.passed)
    const failure = result.meta.interrupted
      ? new InterruptedError('interrupted; results cover the run until then')
      : (searchFailure ??
        (failed.length > 0
          ? new AssertionFailedError(`${failed.length} of ${result.assertions.length} assertions failed: ${failed.map((a) => a.expression).join(', ')}`)
          : undefined))
    if (failure) {
      if (!json) throw failure
      // With --json the document is the output: print it, then exit with the failure's code
      // (throwing would replace it with an error object).
      process.stdout.write(`${JSON.stringify(result)}\n`)
      this.diag(`mqkit: ${this.errorText(failure)}`)
      this.exit(failure.exitCode)
    }
    return result
  }
}

type BenchFlags = BaseFlags<typeof Bench>

/** What a --shared-queues shard says about the queues it leaves for the other shards. */
function sharedQueuesKept(queues: string[], url: string): string {
  const display = redactWholeUrl(url)
  return `mqkit: kept the shared ${queues.length === 1 ? 'queue' : 'queues'} ${queues.join(', ')} (other shards use ${queues.length === 1 ? 'it' : 'them'}); after mqkit report merge, delete ${queues.length === 1 ? 'it' : 'them'} with: ${queues.map((q) => `mqkit delete ${q} --url ${display}`).join(' && ')}`
}

/** The workload the flags describe (absent = the default), for benchOptionsFrom. Exported for tests, which parse bench's own flags. */
export function benchOptionsGiven(flags: Omit<BenchFlags, keyof typeof BaseCommand.baseFlags>): Partial<BenchOptions> {
  return {
    workers: flags.workers,
    producers: flags.producers,
    consumers: flags.consumers,
    queues: flags.queues,
    ...flags.size,
    count: flags.count,
    durationMs: flags.duration,
    warmupMs: flags.warmup,
    rate: flags.rate,
    arrivals: flags.arrivals,
    work: flags.work,
    workMode: flags['work-mode'],
    confirmWindow: flags['confirm-window'],
    prefetch: flags.prefetch,
    persistent: flags.persistent,
    priority: flags.priority,
    keep: flags.keep,
    intervalMs: flags.interval,
    sampleIntervalMs: flags['sample-interval'],
    drainTimeoutMs: flags['drain-timeout'],
    queueName: flags.queue,
    payloadFile: flags.payload,
    key: flags.key,
    keys: flags.keys,
    stamp: flags.stamp,
    queueType: flags['queue-type'],
    multiAck: flags['multi-ack'],
    mandatory: flags.mandatory === true ? true : undefined,
    partitions: flags.partitions,
    acks: flags.acks,
    recoverMs: recoverBudgetMs(flags.recover, flags['recover-timeout']),
    faults: parseFaults(flags['fault-at'], flags['fault-cmd']),
  }
}
