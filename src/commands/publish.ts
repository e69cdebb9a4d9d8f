import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../base-command.js'
import {parseAcks, driverContext} from '../core/options.js'
import {DEFAULT_CONFIRM_WINDOW, deliveryFailure, publishAll, refuseDroppedKeys, type MessageTemplate, type PublishResult} from '../core/publish.js'
import {chooseSource, emptyHint, primeInputs, readInputs} from '../core/sources.js'
import {withDriver} from '../drivers/index.js'
import {InterruptedError} from '../errors.js'
import {parseBytes, parseDelimiter, parseDurationMs, parseInteger, parseKeyValues} from '../options/parse.js'
import {publishSummary} from '../output/summaries.js'

const INPUT = 'INPUT'
const MESSAGE = 'MESSAGE PROPERTIES'
const DELIVERY = 'DELIVERY'

export default class Publish extends BaseCommand<typeof Publish> {
  static override summary = 'Publish messages from arguments, a file, stdin, or generated payloads.'

  static override description = `Each message is sent in input order and confirmed by the broker; at most --confirm-window publishes await confirmation at once. The summary (confirmed, nacked, unroutable, rejected, rate) goes to stderr; --json prints it as one document on stdout. Any message the broker refused ends the run with exit 9 after the summary.

Input: MESSAGE arguments; else --file FILE ("-" = stdin); else --count N (with --size) generated payloads; else stdin when it is not a terminal. Files and stdin are read as bytes and split on "\\n" only: every line is one message, byte for byte (a "\\r" before the "\\n" stays in the message; empty lines are empty messages; a last line without "\\n" still counts). --file-mode whole sends the whole input as one message. --key-delimiter splits each line at the first delimiter into key and body, like kcat -K.

With --exchange, messages go to that exchange with --key (else NAME) as routing key.`

  static override examples = [
    {description: 'Two messages to the in-process broker (queue declared first, same process only):', command: '<%= config.bin %> <%= command.id %> orders hello world --url memory://'},
    {description: 'Lines from stdin to a RabbitMQ queue, persistent, with a header:', command: 'cat orders.ndjson | <%= config.bin %> <%= command.id %> orders --url amqp://guest:guest@localhost:5672 --persistent --header source=import'},
    {
      description: 'To a topic exchange with a routing key; unroutable messages are counted and exit 9:',
      command: '<%= config.bin %> <%= command.id %> orders --url amqp://localhost --exchange logs --key app.error --mandatory "disk full"',
    },
    {
      description: 'Keyed records to Kafka from stdin ("key:value" lines), acks from all replicas:',
      command: 'printf "user1:login\\nuser2:logout\\n" | <%= config.bin %> <%= command.id %> events --url kafka://localhost:9092 --key-delimiter : --acks all',
    },
    {description: '10 000 generated 1 KiB messages into the local store:', command: '<%= config.bin %> <%= command.id %> jobs --url file:./queues.db --count 10000 --size 1KiB'},
    {description: 'A whole file as one message:', command: '<%= config.bin %> <%= command.id %> docs --url amqp://localhost --file report.pdf --file-mode whole --content-type application/pdf'},
  ]

  static override args = {
    name: Args.string({required: true, ignoreStdin: true, description: 'Queue or topic (with --exchange: the default routing key).'}),
    message: Args.string({ignoreStdin: true, description: 'Message bodies, one message each (more may follow).'}),
  }

  static override strict = false

  static override flags = {
    file: Flags.string({char: 'f', summary: 'Read messages from FILE, one per line ("-" for stdin).', helpGroup: INPUT}),
    'file-mode': Flags.string({options: ['lines', 'whole'], summary: 'lines: one message per line (default); whole: the whole input is one message.', helpGroup: INPUT}),
    count: Flags.string({char: 'c', summary: 'Send N messages: generated payloads, or the MESSAGE arguments repeated in turn, or the first N lines.', helpGroup: INPUT}),
    size: Flags.string({char: 's', summary: `Size of generated payloads, e.g. 1KiB (needs --count). Default: 100 bytes.`, helpGroup: INPUT}),
    'key-delimiter': Flags.string({char: 'K', summary: 'Split each line at the first DELIM into key and body (kcat -K); "\\t" is a tab (also \\n \\r \\0 \\\\).', helpGroup: INPUT}),
    key: Flags.string({char: 'k', summary: 'Message key (Kafka record key; routing key with --exchange).', helpGroup: MESSAGE}),
    header: Flags.string({char: 'H', multiple: true, multipleNonGreedy: true, summary: 'Header key=value (repeatable).', helpGroup: MESSAGE}),
    priority: Flags.string({summary: 'Message priority 0-255 (needs a queue declared with --max-priority).', helpGroup: MESSAGE}),
    persistent: Flags.boolean({allowNo: true, summary: 'Ask the broker to store the message durably.', helpGroup: MESSAGE}),
    expiration: Flags.string({summary: 'Per-message time-to-live, e.g. 30s (bare number: ms).', helpGroup: MESSAGE}),
    'message-id': Flags.string({summary: 'Message id property.', helpGroup: MESSAGE}),
    'correlation-id': Flags.string({summary: 'Correlation id property.', helpGroup: MESSAGE}),
    'content-type': Flags.string({summary: 'Content type property, e.g. application/json.', helpGroup: MESSAGE}),
    exchange: Flags.string({char: 'x', summary: 'Publish to this exchange (RabbitMQ) with --key, else NAME, as routing key.', helpGroup: DELIVERY}),
    mandatory: Flags.boolean({summary: 'Unroutable messages come back and are counted as unroutable (RabbitMQ).', helpGroup: DELIVERY}),
    partition: Flags.string({char: 'p', summary: 'Explicit partition (Kafka).', helpGroup: DELIVERY}),
    acks: Flags.string({options: ['all', 'leader', 'none'], summary: 'Acknowledgements required (Kafka).', helpGroup: DELIVERY}),
    'confirm-window': Flags.string({summary: `Most publishes awaiting confirmation at once. Default: ${DEFAULT_CONFIRM_WINDOW}.`, helpGroup: DELIVERY}),
  }

  protected override defaultUrl(): string {
    return this.localStoreDefault()
  }

  public async run(): Promise<PublishResult> {
    const {args, argv, flags} = await this.parse(Publish)
    const messages = (argv as string[]).slice(1)
    const count = flags.count === undefined ? undefined : parseInteger('count', flags.count, {min: 1})
    const source = chooseSource({
      messages,
      file: flags.file,
      fileMode: flags['file-mode'] as 'lines' | 'whole' | undefined,
      count,
      sizeBytes: flags.size === undefined ? undefined : parseBytes('size', flags.size, {min: 0}),
      stdinIsTTY: process.stdin.isTTY === true,
    })
    const template = templateFromFlags(args.name, flags)
    const confirmWindow = flags['confirm-window'] === undefined ? DEFAULT_CONFIRM_WINDOW : parseInteger('confirm-window', flags['confirm-window'], {min: 1})
    const target = template.exchange === undefined ? args.name : `exchange ${template.exchange}`
    const keyDelimiter = flags['key-delimiter'] === undefined ? undefined : parseDelimiter('key-delimiter', flags['key-delimiter'])
    const keyFlags = [flags.key === undefined ? '' : '--key', keyDelimiter === undefined ? '' : '--key-delimiter'].filter(Boolean)
    let outcome: Awaited<ReturnType<typeof publishAll>>
    try {
      const inputs = await primeInputs(readInputs(source, {keyDelimiter}), emptyHint(source), this.interrupt.signal)
      outcome = await withDriver(this.url, driverContext(this.clientName(), flags['connect-timeout']), (driver) => {
        refuseDroppedKeys(driver, template, keyFlags)
        return publishAll({driver, queue: args.name, inputs, template, confirmWindow, signal: this.interrupt.signal})
      })
    } finally {
      if (source.kind === 'stdin') process.stdin.destroy() // a pending read must not keep the process alive
    }
    const {result, interrupted} = outcome
    this.diag(publishSummary(result, target))
    const failure = interrupted ? new InterruptedError('interrupted; the summary above counts what was sent') : deliveryFailure(result)
    if (failure === undefined) return result
    // The counts are the facts even when the run fails: --json prints them with the error.
    if (this.jsonEnabled()) this.logJson({...result, error: {code: failure.code, message: failure.message, exitCode: this.exitCodeFor(failure)}})
    this.diag(`${this.stderrColour.red('mqkit:')} ${failure.message}`)
    return this.exit(failure.exitCode)
  }
}

function templateFromFlags(name: string, flags: Record<string, unknown>): MessageTemplate {
  const str = (key: string) => flags[key] as string | undefined
  const template: MessageTemplate = {}
  if (str('key') !== undefined) template.key = str('key')
  const headers = flags.header as string[] | undefined
  if (headers && headers.length > 0) template.headers = parseKeyValues('header', headers)
  if (str('priority') !== undefined) template.priority = parseInteger('priority', str('priority')!, {min: 0, max: 255})
  if (flags.persistent !== undefined) template.persistent = flags.persistent as boolean
  if (str('expiration') !== undefined) template.expirationMs = parseDurationMs('expiration', str('expiration')!, 'ms')
  if (str('message-id') !== undefined) template.messageId = str('message-id')
  if (str('correlation-id') !== undefined) template.correlationId = str('correlation-id')
  if (str('content-type') !== undefined) template.contentType = str('content-type')
  if (str('exchange') !== undefined) {
    template.exchange = str('exchange')
    template.key ??= name
  }
  if (flags.mandatory === true) template.mandatory = true
  if (str('partition') !== undefined) template.partition = parseInteger('partition', str('partition')!, {min: 0})
  const acks = parseAcks(str('acks'))
  if (acks !== undefined) template.acks = acks
  return template
}
