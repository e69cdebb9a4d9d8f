import {Args, Flags} from '@oclif/core'
import {BaseCommand, type BaseFlags} from '../base-command.js'
import {ACKS_CODES} from '../bench/options.js'
import {DEFAULT_RECOVER_TIMEOUT_MS, recoverBudgetMs} from '../core/recover-budget.js'
import {
  DEFAULT_CONFIRM_WINDOW,
  deliveryFailure,
  keepRecordKeys,
  publishAll,
  refuseDroppedKeys,
  type MessageTemplate,
  type PublishResult,
} from '../core/publish.js'
import {chooseSource, emptyHint, primeInputs, readInputs} from '../core/sources.js'
import {withDriver} from '../drivers/index.js'
import {withRecoveringDriver} from '../drivers/recovering.js'
import type {Driver} from '../drivers/types.js'
import {InterruptedError, isMqkitError, UsageError} from '../errors.js'
import {acksFlag, bytesFlag, delimiterFlag, durationFlag, integerFlag, queueNameArg} from '../flags.js'
import {parseKeyValues} from '../flag-grammars.js'
import {connectionEventNote, publishSummary} from '../output/summaries.js'
import type {RunEvent} from '../results/availability.js'

const INPUT = 'INPUT'
const MESSAGE = 'MESSAGE PROPERTIES'
const DELIVERY = 'DELIVERY'
const CONNECTION = 'CONNECTION'

export default class Publish extends BaseCommand<typeof Publish> {
  static override urlDefault = 'local-store' as const

  static override summary = 'Publish messages from arguments, a file, stdin, or generated payloads.'

  static override description =
    `Each message is sent in input order and confirmed by the broker; at most --confirm-window publishes await confirmation at once. The summary (confirmed, nacked, unroutable, rejected, rate) goes to stderr; --json prints it as one document on stdout. Any message the broker refused ends the run with exit 9 after the summary.

Input: MESSAGE arguments; else --file FILE ("-" = stdin); else --count N (with --size) generated payloads; else stdin when it is not a terminal. Files and stdin are read as bytes and split on "\\n" only: every line is one message, byte for byte (a "\\r" before the "\\n" stays in the message; empty lines are empty messages; a last line without "\\n" still counts). --input whole sends the whole input as one message. --key-delimiter splits each line at the first delimiter into key and body, like kcat -K.

--input ndjson reads what consume --json writes, one record per line, so "consume --json | publish --input ndjson" moves messages between queues, brokers and backends intact: the body (body as UTF-8 text, or bodyBase64: bytes exact), key, headers, priority, messageId, correlationId and contentType. The delivery's own facts (queue, partition, offset, redelivered, deliveryCount, timestampMs) are not sent: the target assigns its own. Flags (--header, --priority, --content-type, ...) fill in what a record leaves unset; a record's headers are added to --header's. A record that cannot be read stops the run after the messages before it (exit 2); a key the target cannot keep (straight to a RabbitMQ queue) stops it with exit 7, except a key that is the record's own queue name (RabbitMQ's routing key), which is left off.

With --exchange, messages go to that exchange with --key (else NAME) as routing key.

--recover rides out a lost connection (as bench --recover does): it reconnects with backoff for up to --recover-timeout per outage (default ${DEFAULT_RECOVER_TIMEOUT_MS / 1000}s), and a message whose confirmation was lost with the connection is sent again on the new one, so it may arrive twice (at-least-once); messages read meanwhile wait. The summary and --json count them (resent); reconnections are reported on stderr. If no connection comes back within the budget, the run ends with exit 3 after the summary of what was confirmed. Without --recover a lost connection ends the run at once (exit 3).`

  static override examples = [
    {
      description: 'Two messages to the in-process broker (queue declared first, same process only):',
      command: '<%= config.bin %> <%= command.id %> orders hello world --url memory://',
    },
    {
      description: 'Lines from stdin to a RabbitMQ queue, persistent, with a header:',
      command: 'cat orders.ndjson | <%= config.bin %> <%= command.id %> orders --url amqp://guest:guest@localhost:5672 --persistent --header source=import',
    },
    {
      description: 'To a topic exchange with a routing key; unroutable messages are counted and exit 9:',
      command: '<%= config.bin %> <%= command.id %> orders --url amqp://localhost --exchange logs --key app.error --mandatory "disk full"',
    },
    {
      description: 'Keyed records to Kafka from stdin ("key:value" lines), acks from all replicas:',
      command: 'printf "user1:login\\nuser2:logout\\n" | <%= config.bin %> <%= command.id %> events --url kafka://localhost:9092 --key-delimiter : --acks all',
    },
    {
      description: '10 000 generated 1 KiB messages into the local store:',
      command: '<%= config.bin %> <%= command.id %> jobs --url file:./queues.db --count 10000 --size 1KiB',
    },
    {
      description: 'Ride out a broker restart: reconnect for up to 2 minutes, send again what the lost connection left unconfirmed (may arrive twice):',
      command: '<%= config.bin %> <%= command.id %> orders --url amqp://localhost --file orders.txt --persistent --recover --recover-timeout 2m',
    },
    {
      description: 'A whole file as one message:',
      command: '<%= config.bin %> <%= command.id %> docs --url amqp://localhost --file report.pdf --input whole --content-type application/pdf',
    },
    {
      description: 'Move every message of a local-store queue to RabbitMQ, bytes, headers and properties intact:',
      command:
        '<%= config.bin %> consume jobs --url file:./queues.db --idle-timeout 1s --json | <%= config.bin %> <%= command.id %> jobs --url amqp://localhost --input ndjson',
    },
  ]

  static override args = {
    name: queueNameArg({required: true, ignoreStdin: true, description: 'Queue or topic (with --exchange: the default routing key).'}),
    message: Args.string({ignoreStdin: true, description: 'Message bodies, one message each (more may follow).'}),
  }

  static override strict = false

  static override flags = {
    file: Flags.string({
      char: 'l',
      charAliases: ['f'],
      summary: 'Read messages from FILE, one per line ("-" for stdin); -l as in kcat -P -l (-f still works here; elsewhere -f is --format).',
      helpGroup: INPUT,
    }),
    input: Flags.option({
      options: ['lines', 'whole', 'ndjson'] as const,
      aliases: ['file-mode'],
      summary:
        'How --file or stdin becomes messages: lines (one per line), whole (one message), ndjson (consume --json records). Default: lines. (--file-mode still works.)',
      helpGroup: INPUT,
    })(),
    count: integerFlag({
      min: 1,
      char: 'n',
      charAliases: ['c'],
      summary: 'Send N messages: generated payloads, or the MESSAGE arguments repeated in turn, or the first N lines (or records). (-c still works.)',
      helpGroup: INPUT,
    }),
    size: bytesFlag({min: 0, char: 's', summary: `Size of generated payloads, e.g. 1KiB (needs --count). Default: 100 bytes.`, helpGroup: INPUT}),
    'key-delimiter': delimiterFlag({
      char: 'K',
      summary: 'Split each line at the first DELIM into key and body (kcat -K); "\\t" is a tab (also \\n \\r \\0 \\\\).',
      helpGroup: INPUT,
    }),
    key: Flags.string({char: 'k', summary: 'Message key (Kafka record key; routing key with --exchange).', helpGroup: MESSAGE}),
    header: Flags.string({char: 'H', multiple: true, multipleNonGreedy: true, summary: 'Header key=value (repeatable).', helpGroup: MESSAGE}),
    priority: integerFlag({min: 0, max: 255, summary: 'Message priority 0-255 (needs a queue declared with --max-priority).', helpGroup: MESSAGE}),
    persistent: Flags.boolean({allowNo: true, summary: 'Ask the broker to store the message durably.', helpGroup: MESSAGE}),
    expiration: durationFlag({bareUnit: 'unit', summary: 'Per-message time-to-live, e.g. 30s or 500ms (a unit is required).', helpGroup: MESSAGE}),
    'message-id': Flags.string({summary: 'Message id property.', helpGroup: MESSAGE}),
    'correlation-id': Flags.string({summary: 'Correlation id property.', helpGroup: MESSAGE}),
    'content-type': Flags.string({summary: 'Content type property, e.g. application/json.', helpGroup: MESSAGE}),
    exchange: Flags.string({char: 'x', summary: 'Publish to this exchange (RabbitMQ) with --key, else NAME, as routing key.', helpGroup: DELIVERY}),
    mandatory: Flags.boolean({summary: 'Unroutable messages come back and are counted as unroutable (RabbitMQ).', helpGroup: DELIVERY}),
    partition: integerFlag({min: 0, char: 'p', summary: 'Explicit partition (Kafka).', helpGroup: DELIVERY}),
    acks: acksFlag({summary: 'Acknowledgements required (Kafka).', helpGroup: DELIVERY}),
    'confirm-window': integerFlag({min: 1, summary: `Most publishes awaiting confirmation at once. Default: ${DEFAULT_CONFIRM_WINDOW}.`, helpGroup: DELIVERY}),
    recover: Flags.boolean({
      summary:
        'Ride out a lost connection: reconnect with backoff and send again what it left unconfirmed (may arrive twice; counted as re-sent). Default: off (a lost connection is exit 3).',
      helpGroup: CONNECTION,
    }),
    'recover-timeout': durationFlag({
      positive: true,
      summary: `With --recover: give up (exit 3) when one outage lasts longer than this. Default: ${DEFAULT_RECOVER_TIMEOUT_MS / 1000}s.`,
      helpGroup: CONNECTION,
    }),
  }

  public async run(): Promise<PublishResult> {
    const {args, flags} = this
    const messages = this.positionals.slice(1)
    const {count} = flags
    const source = chooseSource({
      messages,
      file: flags.file,
      input: flags.input,
      count,
      sizeBytes: flags.size,
      stdinIsTTY: process.stdin.isTTY === true,
    })
    const template = templateFromFlags(args.name, flags)
    const confirmWindow = flags['confirm-window'] ?? DEFAULT_CONFIRM_WINDOW
    const target = template.exchange === undefined ? args.name : `exchange ${template.exchange}`
    const keyDelimiter = flags['key-delimiter']
    if (keyDelimiter !== undefined && source.kind !== 'args' && source.kind !== 'generated' && source.mode === 'ndjson')
      throw new UsageError('--key-delimiter splits lines; --input ndjson records carry their own key')
    const keyFlags = [flags.key === undefined ? '' : '--key', keyDelimiter === undefined ? '' : '--key-delimiter'].filter(Boolean)
    const recoverBudget = recoverBudgetMs(flags.recover, flags['recover-timeout'])
    let outcome: Awaited<ReturnType<typeof publishAll>>
    try {
      const inputs = await primeInputs(readInputs(source, {keyDelimiter}), emptyHint(source), this.interrupt.signal)
      const context = this.driverContext()
      const recover = recoverBudget !== undefined
      const publish = (driver: Driver) => {
        refuseDroppedKeys(driver, template, keyFlags)
        return publishAll({
          driver,
          queue: args.name,
          inputs: keepRecordKeys(driver, template, args.name, inputs),
          template,
          confirmWindow,
          signal: this.interrupt.signal,
          recover,
        })
      }
      const onEvent = (event: RunEvent) => {
        const note = connectionEventNote(event)
        if (note !== undefined) this.diag(note)
      }
      outcome =
        recoverBudget === undefined
          ? await withDriver(this.url, context, publish)
          : await withRecoveringDriver(this.url, context, {budgetMs: recoverBudget, role: 'producer', onEvent}, publish)
    } finally {
      if (source.kind === 'stdin') process.stdin.destroy() // a pending read must not keep the process alive
    }
    const {result, interrupted, inputError} = outcome
    this.diag(publishSummary(result, target))
    // --recover: a connection that did not come back ends the run after the summary (exit 3).
    const stoppedBy = (outcome.failure ?? inputError) as Error | undefined
    const failure = interrupted ? new InterruptedError('interrupted; the summary above counts what was sent') : (stoppedBy ?? deliveryFailure(result))
    if (failure === undefined) return result
    // The counts are the facts even when the run fails: --json prints them with the error.
    const exitCode = this.exitCodeFor(failure)
    const code = isMqkitError(failure) ? failure.code : 'ERROR'
    const message = this.errorText(failure)
    if (this.jsonEnabled()) this.logJson({...result, error: {code, message, exitCode}})
    this.diag(`${this.stderrColour.red('mqkit:')} ${message}`)
    return this.exit(exitCode)
  }
}

type PublishFlags = BaseFlags<typeof Publish>

function templateFromFlags(name: string, flags: PublishFlags): MessageTemplate {
  const template: MessageTemplate = {}
  if (flags.key !== undefined) template.key = flags.key
  if (flags.header && flags.header.length > 0) template.headers = parseKeyValues('header', flags.header)
  if (flags.priority !== undefined) template.priority = flags.priority
  if (flags.persistent !== undefined) template.persistent = flags.persistent
  if (flags.expiration !== undefined) template.expirationMs = flags.expiration
  if (flags['message-id'] !== undefined) template.messageId = flags['message-id']
  if (flags['correlation-id'] !== undefined) template.correlationId = flags['correlation-id']
  if (flags['content-type'] !== undefined) template.contentType = flags['content-type']
  if (flags.exchange !== undefined) {
    template.exchange = flags.exchange
    template.key ??= name
  }
  if (flags.mandatory === true) template.mandatory = true
  if (flags.partition !== undefined) template.partition = flags.partition
  if (flags.acks !== undefined) template.acks = ACKS_CODES[flags.acks]
  return template
}
