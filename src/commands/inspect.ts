import {Flags} from '@oclif/core'
import {BaseCommand} from '../base-command.js'
import {inspectOnce, watchInspect, type InspectSnapshot} from '../core/inspect.js'
import {withDriver} from '../drivers/index.js'
import {durationFlag, queueNameArg, refuseUrlAsName} from '../flags.js'
import {renderInspectTable} from '../output/inspect-table.js'
import {outputWidth} from '../output/table.js'

export default class Inspect extends BaseCommand<typeof Inspect> {
  static override urlDefault = 'local-store' as const

  static override summary = 'Show queues: ready, in flight, consumers, lag, and what else the backend reports.'

  static override description =
    `Without NAME, every queue the backend can list (RabbitMQ needs the management API for that; without it name the queues, which are read by passive declare). The line under the table says where the figures came from. For Kafka, "ready" is the consumer group's lag when --group is given, else the messages retained.

--watch refreshes every interval until Ctrl-C: on a terminal the table is redrawn in place; otherwise (and with --json, one compact JSON document per line) each refresh is appended.`

  static override examples = [
    {description: 'Two RabbitMQ queues (JSON):', command: '<%= config.bin %> <%= command.id %> orders jobs --url amqp://guest:guest@localhost:5672 --json'},
    {description: 'All queues of the local store, refreshed every 2 s:', command: '<%= config.bin %> <%= command.id %> --url file:./queues.db --watch 2'},
    {
      description: 'A Kafka topic with the lag of a consumer group:',
      command: '<%= config.bin %> <%= command.id %> events --url kafka://localhost:9092 --group audit',
    },
    {description: 'The in-process broker (empty in a fresh process):', command: '<%= config.bin %> <%= command.id %> --url memory://'},
  ]

  static override args = {
    name: queueNameArg({ignoreStdin: true, description: 'Queues or topics to show (more may follow); default: all the backend can list.'}),
  }

  static override strict = false

  static override flags = {
    group: Flags.string({char: 'g', summary: 'Consumer group whose lag to show (Kafka).'}),
    watch: durationFlag({char: 'w', summary: 'Refresh this often until Ctrl-C, e.g. 2s or 500ms (bare number: seconds).'}),
  }

  public async run(): Promise<InspectSnapshot | undefined> {
    const {flags} = this
    const names = this.positionals.map((name) => refuseUrlAsName(String(name)))
    const options = flags.group === undefined ? {} : {group: flags.group}
    const intervalMs = flags.watch
    const context = this.driverContext()
    const json = this.jsonEnabled()
    // A row per partition for the topics asked about; listing every topic shows counts only.
    const details = names.length > 0
    if (intervalMs === undefined) {
      const snapshot = await withDriver(this.url, context, (driver) => inspectOnce(driver, names, options))
      if (!json) this.log(renderInspectTable(snapshot, {colour: this.stdoutColour.level > 0, details, width: outputWidth(process.stdout)}))
      return snapshot
    }

    const redraw = !json && process.stdout.isTTY === true
    // The period as it reads best: seconds from 1 s up, else milliseconds.
    const every = intervalMs >= 1000 ? `${intervalMs / 1000} s` : `${intervalMs}ms`
    await withDriver(this.url, context, (driver) =>
      watchInspect(driver, names, options, Math.max(intervalMs, 100), this.interrupt.signal, (snapshot) => {
        if (json) return void process.stdout.write(`${JSON.stringify(snapshot)}\n`)
        const stamp = `${new Date(snapshot.atMs).toISOString()}  (every ${every}; Ctrl-C to stop)`
        const table = renderInspectTable(snapshot, {colour: this.stdoutColour.level > 0, details, width: outputWidth(process.stdout)})
        // Cursor home + clear screen: redraw in place rather than scrolling.
        process.stdout.write(redraw ? `\x1b[H\x1b[2J${stamp}\n${table}\n` : `${stamp}\n${table}\n\n`)
      }),
    )
    // Ctrl-C is how a watch ends: that is success, and --json already streamed its lines.
    return undefined
  }
}
