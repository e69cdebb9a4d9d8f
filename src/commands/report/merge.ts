import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../../base-command.js'
import {renderResult} from '../../bench/render/render.js'
import {UsageError} from '../../errors.js'
import {assertHtmlWritable, writeHtmlReport} from '../../report/html.js'
import {labelsFor, loadResult} from '../../results/load.js'
import type {MergedResult} from '../../results/merge.js'
import {mergeRunResults, shardWarningsOf} from '../../results/shards.js'
import {describeDifferences} from '../../results/workload.js'
import {outputWidth} from '../../output/table.js'

export default class ReportMerge extends BaseCommand<typeof ReportMerge> {
  static override summary = 'Merge the result files of one sharded run (bench --shard I/N) into one result.'

  static override description =
    `Reads the result documents written by "mqkit bench --shard I/N --json", one per shard, and merges them exactly: latency histograms HDR-added (the merged percentiles are those of every sample, as if one process had recorded them), counts and integrity summed (each shard consumed only its own queues, so lost, duplicated and out-of-order messages are each counted by exactly one shard), throughput over the union of the shards' measured windows.

With --shared-queues shards (one set of queues for all) the integrity is instead computed from every shard's receipts, as one process would state it (a message two shards received is a duplicate; lost is confirmed and received or drained by nobody), and latencies carry a warning that they depend on the hosts' clock sync; a missing shard makes lost an upper bound (integrity.lostUnknown says why).

Files of different runs (different --run-id), split into a different number of shards, or mixing --shared-queues shards with own-queue ones are refused in one line (exit 2). A missing shard index, an index given twice (the latest --attempt is kept) and a shard that started producing more than 100 ms after --start-at are warnings, on stderr and in health.warnings; merged.shards records each shard's first send, its lateness and the start skew (latest minus earliest first send, on the hosts' wall clocks). Files of unsharded load generators merge as "mqkit report FILE..." merges them.`

  static override examples = [
    {
      description: 'Merge a four-shard run and write an HTML report:',
      command: '<%= config.bin %> <%= command.id %> shard-0.json shard-1.json shard-2.json shard-3.json --html run.html',
    },
    {
      description: 'The merged document, e.g. for --assert-style checks with jq:',
      command: '<%= config.bin %> <%= command.id %> results/*.json --json > merged.json',
    },
  ]

  static override args = {
    file: Args.string({description: 'Result files, one per shard (more may follow); "-" for stdin.'}),
  }

  static override strict = false

  // Reads files only (see report.ts).
  static override baseFlags = {verbose: BaseCommand.baseFlags.verbose} as unknown as typeof BaseCommand.baseFlags

  static override flags = {
    force: Flags.boolean({summary: 'Merge even when the workload settings differ (says what differs); run ids must still match.'}),
    html: Flags.string({summary: 'Also write a self-contained HTML report to FILE.', helpValue: 'FILE'}),
  }

  public async run(): Promise<MergedResult> {
    const {flags} = this
    const files = this.positionals
    if (files.length === 0) throw new UsageError('give the result files of the shards (written by mqkit bench --shard I/N --json)')
    if (flags.html) assertHtmlWritable(flags.html)
    const labels = labelsFor(files)
    const result = mergeRunResults(
      files.map((file) => loadResult(file).result),
      labels,
      {force: flags.force},
    )
    const warn = this.stderrColour.yellow('mqkit: warning:')
    if (result.merged.workloadDifferences !== undefined)
      this.diag(`${warn} merged with --force runs of different workloads: ${describeDifferences(result.merged.workloadDifferences, labels)}`)
    for (const warning of shardWarningsOf(result)) this.diag(`${warn} ${warning}`)
    if (flags.html) {
      writeHtmlReport([result], flags.html, {})
      this.diag(`mqkit: report written to ${flags.html}`)
    }
    if (!this.jsonEnabled()) process.stdout.write(renderResult(result, {colour: this.stdoutColour, width: outputWidth(process.stdout)}))
    return result
  }
}
