import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../base-command.js'
import {renderResult} from '../bench/render/render.js'
import type {BenchResult} from '../results/document.js'
import {UsageError} from '../errors.js'
import {compareResults, type Comparison} from '../results/compare.js'
import {renderComparison} from '../report/compare-render.js'
import {assertHtmlWritable, writeHtmlReport} from '../report/html.js'
import {labelsFor, loadResult} from '../results/load.js'
import {isMerged, type MergedResult} from '../results/merge.js'
import {mergeRunResults, shardWarningsOf} from '../results/shards.js'
import {describeDifferences} from '../results/workload.js'
import {outputWidth} from '../output/table.js'

export default class Report extends BaseCommand<typeof Report> {
  static override summary = 'Re-render, merge or compare saved bench results; write a self-contained HTML report.'

  static override description = `Reads result documents written by "mqkit bench --json" (or the last line of --ndjson; "-" reads stdin).

One file: prints its tables again. Several files (--merge, the default): merges results of load generators that ran one workload at the same time against one backend — latency histograms are added exactly (HDR add, so merged percentiles are those of all samples), counts and integrity figures summed, throughput taken over the union of the measured windows; queue-length series are kept per generator. The workload settings must match, except each generator's share and its own queues (--workers, --producers, --consumers, --count, the msg/s of each --rate step, --queue, --queues) and reporting settings (--payload's path, --interval, --sample-interval, --drain-timeout, --keep); otherwise report refuses in one line naming the settings that differ (exit 2), and --force merges anyway with a warning saying what differs. The results of a sharded run (bench --shard I/N) merge as "mqkit report merge" merges them: one run id only, missing or repeated shards and start skew reported. --compare A B: the two runs side by side, first the workload settings they differ in, then the change in every figure (A is the baseline).

--html FILE writes a single HTML file (inline CSS and SVG charts: latency percentile spectrum, throughput and queue length over time) that opens offline. --json prints the re-read, merged or comparison document instead of tables.`

  static override examples = [
    {description: 'Tables of a saved run:', command: '<%= config.bin %> <%= command.id %> result.json'},
    {
      description: 'Merge three load generators and write an HTML report:',
      command: '<%= config.bin %> <%= command.id %> gen1.json gen2.json gen3.json --html report.html',
    },
    {description: 'Before/after comparison, as JSON:', command: '<%= config.bin %> <%= command.id %> --compare before.json after.json --json'},
    {
      description: 'Merge runs of different workloads anyway (a warning names what differs):',
      command: '<%= config.bin %> <%= command.id %> a.json b.json --force',
    },
    {description: 'Straight from a run:', command: 'mqkit bench --json | <%= config.bin %> <%= command.id %> - --html run.html'},
  ]

  static override args = {
    file: Args.string({description: 'Result files (more may follow); "-" for stdin.'}),
  }

  static override strict = false

  // Reads files only: no broker, so no --url / --connect-timeout. (Typed as the base's flags
  // because oclif types a subclass's baseFlags by its parent's; this command never reads them.)
  static override baseFlags = {verbose: BaseCommand.baseFlags.verbose} as unknown as typeof BaseCommand.baseFlags

  static override flags = {
    merge: Flags.boolean({summary: 'Merge the results into one (default with more than one file).', exclusive: ['compare']}),
    compare: Flags.boolean({summary: 'Compare exactly two results: the first is the baseline.', exclusive: ['merge']}),
    force: Flags.boolean({summary: 'Merge results even when their workload settings differ (says what differs).', exclusive: ['compare']}),
    html: Flags.string({summary: 'Also write a self-contained HTML report to FILE.', helpValue: 'FILE'}),
  }

  public async run(): Promise<BenchResult | MergedResult | Comparison> {
    const {flags} = this
    const files = this.positionals
    if (files.length === 0) throw new UsageError('give at least one result file (written by mqkit bench --json)')
    if (flags.compare && files.length !== 2) throw new UsageError(`--compare takes exactly two result files, got ${files.length}`)
    if (flags.html) assertHtmlWritable(flags.html)
    const loaded = files.map((file) => loadResult(file))
    const labels = labelsFor(files)
    const results = loaded.map((l) => l.result)
    const json = this.jsonEnabled()

    if (flags.compare) {
      const comparison = compareResults(results[0], results[1], [labels[0], labels[1]])
      if (flags.html) this.writeHtml(results, flags.html, {labels, comparison})
      if (!json) process.stdout.write(renderComparison(comparison, {colour: this.stdoutColour, width: outputWidth(process.stdout)}))
      return comparison
    }
    const result = results.length === 1 && !flags.merge ? results[0] : mergeRunResults(results, labels, {force: flags.force})
    const differing = isMerged(result) ? result.merged.workloadDifferences : undefined
    if (differing !== undefined)
      this.diag(`${this.stderrColour.yellow('mqkit: warning:')} merged with --force runs of different workloads: ${describeDifferences(differing, labels)}`)
    for (const warning of shardWarningsOf(result)) this.diag(`${this.stderrColour.yellow('mqkit: warning:')} ${warning}`)
    if (flags.html) this.writeHtml([result], flags.html, {})
    if (!json) process.stdout.write(renderResult(result, {colour: this.stdoutColour, width: outputWidth(process.stdout)}))
    return result
  }

  private writeHtml(results: BenchResult[], file: string, options: Parameters<typeof writeHtmlReport>[2]): void {
    writeHtmlReport(results, file, options)
    this.diag(`mqkit: report written to ${file}`)
  }
}
