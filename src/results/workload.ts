// What makes two bench results runs of one workload, for `report` (merge refuses anything else
// unless --force) and `report --compare` (which lists the settings that differ). A setting is a
// field of the result's `workload` (BenchOptions), named by the flag that sets it.
import {BENCH_DEFAULTS, type BenchOptions} from '../bench/options.js'
import type {BenchResult} from './document.js'
import {formatBytes, formatCount, formatMillis, formatRate} from '../output/format.js'

type Workload = BenchResult['workload']

export interface WorkloadSetting {
  /** The workload field (as in the JSON). */
  field: string
  /** The flag that sets it. */
  flag: string
  /** The comparable value of a result (defaults filled in for results saved without the field). */
  value: (w: Workload, backend: string) => unknown
  /** As the tables show it. */
  show: (w: Workload, backend: string) => string
}

const plain = (value: unknown): string => (value === undefined || value === null ? '-' : typeof value === 'number' ? formatCount(value) : String(value))

function setting<K extends keyof Workload>(
  field: K,
  flag: string,
  fallback?: Workload[K],
  show?: (value: NonNullable<Workload[K]>) => string,
): WorkloadSetting {
  const value = (w: Workload) => w[field] ?? fallback
  return {
    field,
    flag,
    value,
    show: (w) => {
      const v = value(w)
      return show && v !== undefined && v !== null ? show(v as NonNullable<Workload[K]>) : plain(v)
    },
  }
}

function describeWork(work: BenchOptions['work'] | undefined): string {
  switch (work?.kind) {
    case undefined:
    case 'none':
      return 'none'
    case 'fixed':
      return formatMillis(work.ms)
    case 'uniform':
      return `${formatMillis(work.minMs)}-${formatMillis(work.maxMs)}`
    case 'exponential':
      return `exp:${formatMillis(work.meanMs)}`
  }
}

/** How long each rate step lasted: the schedule's shape without the per-generator rates. */
const stepLengths = (w: Workload) => (w.rate === undefined ? undefined : w.rate.map((s) => s.durationMs ?? null))

/** Every setting of a workload, in the order the flags are listed in bench --help. */
export const WORKLOAD_SETTINGS: readonly WorkloadSetting[] = [
  setting('workers', '--workers', BENCH_DEFAULTS.workers),
  setting('producers', '--producers'),
  setting('consumers', '--consumers'),
  setting('queues', '--queues'),
  {
    field: 'sizeBytes',
    flag: '--size',
    value: (w) => [w.sizeBytes, w.maxSizeBytes ?? w.sizeBytes],
    show: (w) =>
      w.maxSizeBytes === undefined || w.maxSizeBytes === w.sizeBytes ? formatBytes(w.sizeBytes) : `${formatBytes(w.sizeBytes)}-${formatBytes(w.maxSizeBytes)}`,
  },
  setting('count', '--count'),
  setting('durationMs', '--duration', undefined, formatMillis),
  setting('warmupMs', '--warmup', BENCH_DEFAULTS.warmupMs, formatMillis),
  {field: 'work', flag: '--work', value: (w) => describeWork(w.work), show: (w) => describeWork(w.work)},
  setting('workMode', '--work-mode', BENCH_DEFAULTS.workMode),
  setting('payloadFile', '--payload'),
  setting('key', '--key'),
  setting('keys', '--keys'),
  setting('persistent', '--persistent', false),
  {
    field: 'stamp',
    flag: '--stamp',
    value: (w, backend) => w.stamp ?? (backend === 'kafka' ? 'header' : 'body'),
    show: (w, backend) => w.stamp ?? (backend === 'kafka' ? 'header' : 'body'),
  },
  setting('priority', '--priority'),
  setting('queueType', '--queue-type'),
  setting('partitions', '--partitions'),
  {
    field: 'rate',
    flag: '--rate',
    value: (w) => w.rate?.map((s) => [s.perSecond, s.durationMs ?? null]),
    show: (w) =>
      w.rate === undefined
        ? 'closed loop'
        : w.rate.map((s) => `${formatRate(s.perSecond)}${s.durationMs ? ` for ${formatMillis(s.durationMs)}` : ''}`).join(', '),
  },
  setting('arrivals', '--arrivals', BENCH_DEFAULTS.arrivals),
  setting('confirmWindow', '--confirm-window', BENCH_DEFAULTS.confirmWindow),
  setting('prefetch', '--prefetch', BENCH_DEFAULTS.prefetch),
  setting('multiAck', '--multi-ack'),
  setting('mandatory', '--mandatory', false),
  setting('acks', '--acks'),
  setting('drainTimeoutMs', '--drain-timeout', BENCH_DEFAULTS.drainTimeoutMs, formatMillis),
  setting('intervalMs', '--interval', BENCH_DEFAULTS.intervalMs, formatMillis),
  setting('sampleIntervalMs', '--sample-interval', BENCH_DEFAULTS.sampleIntervalMs, formatMillis),
  setting('queueName', '--queue'),
  setting('keep', '--keep', false),
]

/**
 * Settings in which the load generators of one run legitimately differ, so merge does not ask
 * them to match: each generator's share of the load (--workers, --producers, --consumers, --count,
 * and the msg/s of each --rate step: merge sums them; the step lengths must match), its own queues
 * (--queue, --queues: generators may each have their own or share them; merge counts the distinct
 * queues), and what only shapes the report or the run's housekeeping (--payload's path, --interval,
 * --sample-interval, --drain-timeout, --keep).
 */
export const PER_GENERATOR_FIELDS: ReadonlySet<string> = new Set([
  'workers',
  'producers',
  'consumers',
  'count',
  'rate',
  'queues',
  'queueName',
  'payloadFile',
  'intervalMs',
  'sampleIntervalMs',
  'drainTimeoutMs',
  'keep',
])

/** For merge: the rate schedule's shape (step lengths), which must match though the rates differ. */
const RATE_STEPS: WorkloadSetting = {
  field: 'rate',
  flag: '--rate steps',
  value: (w) => stepLengths(w),
  show: (w) => (w.rate === undefined ? 'closed loop' : w.rate.map((s) => (s.durationMs ? formatMillis(s.durationMs) : 'open-ended')).join(', ')),
}

export interface SettingDifference {
  field: string
  flag: string
  /** Each result's value, as shown, in the order the results were given. */
  values: string[]
}

function differences(results: BenchResult[], settings: readonly WorkloadSetting[]): SettingDifference[] {
  const out: SettingDifference[] = []
  for (const s of settings) {
    const values = results.map((r) => JSON.stringify(s.value(r.workload, r.meta.backend)) ?? 'undefined')
    if (new Set(values).size > 1) out.push({field: s.field, flag: s.flag, values: results.map((r) => s.show(r.workload, r.meta.backend))})
  }
  return out
}

/** What keeps `results` from being one workload run by several load generators (empty: none). */
export function mergeDifferences(results: BenchResult[]): SettingDifference[] {
  return differences(results, [...WORKLOAD_SETTINGS.filter((s) => !PER_GENERATOR_FIELDS.has(s.field)), RATE_STEPS])
}

/** Every setting two runs differ in (for --compare), the run's own queue name aside. */
export function settingDifferences(baseline: BenchResult, candidate: BenchResult): SettingDifference[] {
  return differences(
    [baseline, candidate],
    WORKLOAD_SETTINGS.filter((s) => s.field !== 'queueName' && s.field !== 'keep'),
  )
}

/** One line: `--prefetch a.json 100, b.json 500; --confirm-window a.json 1000, b.json 200`. */
export function describeDifferences(found: SettingDifference[], labels: string[]): string {
  return found.map((d) => `${d.flag} ${d.values.map((v, i) => `${labels[i]} ${v}`).join(', ')}`).join('; ')
}
