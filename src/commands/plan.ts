import {Args, Flags} from '@oclif/core'
import {BaseCommand, type BaseFlags} from '../base-command.js'
import {BENCH_DEFAULTS, type BenchOptions} from '../bench/options.js'
import type {BenchResult} from '../results/document.js'
import {BenchRunner} from '../bench/runner.js'
import {PLAN_DEFAULTS, planConsumers, type Arrivals, type PlanFacts, type PlanInputs, type VerifyRun} from '../capacity/plan.js'
import {
  calibrationOptions,
  measuredFigures,
  NO_HANDLING_DATA,
  verifyOptions,
  verifyRun,
  type MeasuredFigures,
  type PlanWorkload,
} from '../capacity/plan-measure.js'
import {renderPlan} from '../capacity/plan-render.js'
import {InterruptedError, UsageError} from '../errors.js'
import {durationFlag, integerFlag, planSloFlag, rateFlag, sizeRangeFlag, workFlag} from '../flags.js'
import {formatMillis, formatRate} from '../output/format.js'
import {loadResult} from '../results/load.js'

const WORKLOAD = 'WORKLOAD'

/** Workload flags that a result file supplies instead. */
const WORKLOAD_FLAGS = ['work', 'work-mode', 'prefetch', 'size', 'calibration'] as const

export default class Plan extends BaseCommand<typeof Plan> {
  static override summary = 'How many consumers a message rate needs to meet a latency SLO (Erlang C with the Allen–Cunneen correction).'

  static override description =
    `Measures the consumer's handling time (mean and variability) in a short bench run at low load — or reads it from a saved result (mqkit bench --json) — and predicts, for 1, 2, 3… consumers, the utilisation and the wait for a free handler at --rate: Erlang C for an M/M/c queue, corrected for non-Poisson arrivals and non-exponential handling by Allen–Cunneen (wait × (ca² + cs²)/2). A consumer handles --prefetch messages at once in --work-mode sleep (IO-bound) and one at a time in spin mode (CPU-bound). The answer is the smallest count whose predicted latency (delivery + wait) meets --slo, which takes the --assert syntax: e2e.p99<=50ms, e2e.mean<20ms, p99<50ms (end-to-end from the intended send time).

--verify then runs bench at --rate (open loop) with that count and one fewer, and prints measured against predicted; a contradiction is reported, not an error (exit 0). Not in spin mode: the consumers of one bench process share one event loop, which is one handler however many there are.`

  static override examples = [
    {
      description: 'Consumers for 1000 msg/s with 5 ms exponential IO-bound handling, one message each at a time:',
      command: "<%= config.bin %> <%= command.id %> --rate 1000 --slo 'e2e.p99<=50ms' --work exp:5ms --prefetch 1",
    },
    {
      description: 'The same, checked by bench with that count and one fewer:',
      command: "<%= config.bin %> <%= command.id %> --rate 1000 --slo 'e2e.mean<2ms' --work exp:5ms --prefetch 1 --verify",
    },
    {
      description: 'From a saved run (handling time, prefetch and work mode taken from it):',
      command: "<%= config.bin %> <%= command.id %> result.json --rate 5000 --slo 'p99<50ms' --json",
    },
    {
      description: 'Against RabbitMQ, 20 handlers per consumer:',
      command: "<%= config.bin %> <%= command.id %> --url amqp://localhost --rate 20000 --slo 'e2e.p99.9<200ms' --work 2ms-8ms --prefetch 20",
    },
  ]

  static override args = {
    result: Args.string({
      description: 'A saved bench result (mqkit bench --json; "-" for stdin) to take handling time and workload from, instead of calibrating.',
    }),
  }

  static override flags = {
    rate: rateFlag({min: 0.001, char: 'r', summary: 'Arrival rate to plan for, msg/s.', required: true}),
    slo: planSloFlag({summary: "Latency objective in the --assert syntax: 'e2e.p99<=50ms', 'e2e.mean<20ms', 'p99<50ms'.", required: true}),
    arrivals: Flags.option({
      summary: `Arrival process at --rate: poisson (independent clients; ca² = 1) or uniform (a fixed schedule; ca² = 0). Default: ${PLAN_DEFAULTS.arrivals}.`,
      options: ['poisson', 'uniform'] as const,
    })(),
    verify: Flags.boolean({summary: 'Run bench at --rate with the planned count and one fewer; print measured against predicted.'}),
    'verify-duration': durationFlag({
      positive: true,
      summary: `Length of each --verify run after a warmup, e.g. 20s. Default: ${PLAN_DEFAULTS.verifyMs / 1000}s.`,
    }),
    work: workFlag({planning: true, summary: 'Simulated handling time per message to calibrate with: 5ms, a range 2ms-8ms, or exp:5ms.', helpGroup: WORKLOAD}),
    'work-mode': Flags.option({
      summary: 'sleep (IO-bound: --prefetch handlers per consumer) or spin (CPU-bound: one). Default: sleep.',
      options: ['sleep', 'spin'] as const,
      helpGroup: WORKLOAD,
    })(),
    prefetch: integerFlag({
      min: 1,
      max: 65_535,
      summary: `Unacked deliveries per consumer: its handlers in sleep mode. Default: ${BENCH_DEFAULTS.prefetch}.`,
      helpGroup: WORKLOAD,
    }),
    size: sizeRangeFlag({char: 's', summary: `Message size, e.g. 1KiB or 512-4KiB. Default: ${BENCH_DEFAULTS.sizeBytes}.`, helpGroup: WORKLOAD}),
    calibration: durationFlag({
      positive: true,
      summary: `Length of the low-load run that measures handling time. Default: ${PLAN_DEFAULTS.calibrationMs / 1000}s.`,
      helpGroup: WORKLOAD,
    }),
  }

  public async run(): Promise<PlanFacts> {
    const {args, flags} = this
    const {slo} = flags
    const ratePerSecond = flags.rate
    const arrivals: Arrivals = flags.arrivals ?? PLAN_DEFAULTS.arrivals
    const verifyMs = flags['verify-duration'] ?? PLAN_DEFAULTS.verifyMs
    let figures: MeasuredFigures
    if (args.result === undefined) {
      const workload = workloadFromFlags(flags)
      if (flags.verify) refuseSpinVerify(workload)
      const calibrationMs = flags.calibration ?? PLAN_DEFAULTS.calibrationMs
      figures = await this.calibrate(workload, calibrationMs)
    } else {
      const stray = WORKLOAD_FLAGS.find((name) => flags[name] !== undefined)
      if (stray) throw new UsageError(`--${stray} cannot be used with a result file: its workload comes from ${args.result}`)
      figures = measuredFigures(loadResult(args.result).result, args.result)
      if (flags.verify) refuseSpinVerify(figures.workload)
    }
    const inputs: PlanInputs = {
      ratePerSecond,
      arrivals,
      handling: figures.handling,
      workMode: figures.workload.workMode,
      prefetch: figures.workload.prefetch,
      delivery: figures.delivery,
      slo,
    }
    const facts = planConsumers(inputs, figures.notes)
    if (flags.verify) facts.plan.measured = await this.verify(figures.workload, inputs, facts.plan.consumers, verifyMs, facts.notes)
    for (const note of facts.notes) this.diag(`mqkit: note: ${note}`)
    if (!this.jsonEnabled()) process.stdout.write(renderPlan(facts, {colour: this.stdoutColour}))
    return facts
  }

  private async calibrate(workload: PlanWorkload, durationMs: number): Promise<MeasuredFigures> {
    const options = calibrationOptions(workload, durationMs)
    const perSecond = options.rate![0].perSecond
    this.diag(
      `mqkit: calibrating: ${formatMillis(durationMs)} at ${formatRate(perSecond)} with ${options.consumers} consumer(s), prefetch ${options.prefetch}, to measure handling time…`,
    )
    const result = await this.bench(options)
    const figures = measuredFigures(
      result,
      `calibration (${formatRate(result.throughput.consumed.perSecond)}, ${options.consumers} consumer${options.consumers === 1 ? '' : 's'})`,
    )
    figures.notes.push(...result.health.warnings.map((warning) => `calibration: ${warning}`))
    return figures
  }

  private async verify(workload: PlanWorkload, inputs: PlanInputs, consumers: number, durationMs: number, notes: string[]): Promise<VerifyRun[]> {
    const runs: VerifyRun[] = []
    for (const count of [consumers - 1, consumers].filter((c) => c >= 1)) {
      this.diag(`mqkit: verifying: ${formatMillis(durationMs)} at ${formatRate(inputs.ratePerSecond)} (${inputs.arrivals}) with ${count} consumer(s)…`)
      const result = await this.bench(verifyOptions(workload, count, inputs.ratePerSecond, inputs.arrivals, durationMs))
      notes.push(...result.health.warnings.map((warning) => `verify with ${count}: ${warning}`))
      runs.push(verifyRun(result, inputs, count))
    }
    return runs
  }

  private async bench(options: BenchOptions): Promise<BenchResult> {
    const context = this.driverContext({interruptible: false})
    const runner = new BenchRunner(options, {
      url: this.url,
      clientName: context.clientName,
      connectTimeoutMs: context.connectTimeoutMs,
      mqkitVersion: this.config.version,
    })
    const result = await runner.run(this.interrupt.signal)
    if (result.meta.interrupted) throw new InterruptedError('interrupted before the plan was complete')
    return result
  }
}

function workloadFromFlags(flags: BaseFlags<typeof Plan>): PlanWorkload {
  if (flags.work === undefined) throw new UsageError(NO_HANDLING_DATA)
  return {
    work: flags.work,
    workMode: flags['work-mode'] === 'spin' ? 'spin' : 'sleep',
    prefetch: flags.prefetch ?? BENCH_DEFAULTS.prefetch,
    ...(flags.size ?? {sizeBytes: BENCH_DEFAULTS.sizeBytes, maxSizeBytes: BENCH_DEFAULTS.sizeBytes}),
  }
}

function refuseSpinVerify(workload: PlanWorkload): void {
  if (workload.workMode === 'spin') {
    throw new UsageError(
      '--verify needs --work-mode sleep: in spin mode the consumers of one bench process share one event loop, one handler however many consumers run',
    )
  }
}
