import {Flags} from '@oclif/core'
import {BaseCommand} from '../base-command.js'
import type {ConsumeResult, SettleMode} from '../core/consume-end.js'
import {consumeMessages, type ConsumeLoopOptions} from '../core/consume.js'
import {DEFAULT_PREFETCH} from '../drivers/defaults.js'
import {consumeFailure} from '../core/consume-end.js'
import {DEFAULT_RECOVER_TIMEOUT_MS, recoverBudgetMs} from '../core/recover-budget.js'
import {withDriver} from '../drivers/index.js'
import {withRecoveringDriver} from '../drivers/recovering.js'
import type {Delivery} from '../drivers/types.js'
import {InterruptedError, UsageError, uncommittedText} from '../errors.js'
import {delimiterFlag, durationFlag, integerFlag, startPositionFlag, queueNameArg} from '../flags.js'
import {compileLineFormat, FORMAT_TOKENS} from '../output/line-format.js'
import {ndjsonLine, textLine, textLines} from '../output/messages.js'
import {connectionEventNote, consumeSummary, peekNote} from '../output/summaries.js'
import type {RunEvent} from '../results/availability.js'

const STOP = 'STOP'
const SETTLE = 'ACKNOWLEDGEMENT'
const LOG = 'KAFKA / STREAMS'
const OUTPUT = 'OUTPUT'
const CONNECTION = 'CONNECTION'

export default class Consume extends BaseCommand<typeof Consume> {
  static override urlDefault = 'local-store' as const

  static override summary = 'Consume messages and write them to stdout; acknowledge each only after it is written.'

  static override description =
    `Writes each message's body as one line on stdout (bytes unchanged, like kcat), or with --json one NDJSON object per message: queue, key, headers, redelivered, deliveryCount, timestampMs, partition/offset (Kafka), and body (UTF-8) or bodyBase64 (when the body is not valid UTF-8). --json prints only these lines (no final document); if the command fails, a last {"error":...} line follows.

A message is acknowledged only after its line has been handed to stdout, so an interrupted consume loses nothing: on Ctrl-C, messages not yet written go back to the queue (exit 130). With --count N exactly N messages are written and acknowledged; extra prefetched ones are returned. A summary goes to stderr: count, mean handling time (receipt to acknowledgement), rate.

Modes: --ack (default) acknowledges after writing; --requeue peeks: writes messages, holds them and returns them all at the end (at most --prefetch messages can be seen this way; with --count N the prefetch defaults to N). A peek ends once the queue holds no more messages (or the prefetch is full), saying on stderr how many it saw; --reject rejects them after writing (to the dead-letter target); --no-ack lets the broker settle on delivery (fastest; messages delivered after --count is reached or on Ctrl-C are lost).

Without --count, --idle-timeout or --exit-at-end, consume runs until Ctrl-C. With both --count and --idle-timeout, fewer than N messages before the idle timeout is exit 4, after writing what arrived.

Where a Kafka consume starts: with no --from it takes what the topic holds, as a consume of a queue takes what the queue holds (and as kcat -C does): a named --group from its committed offsets, else (no --group, or a group's first run) from the beginning. --from end reads only what is published from now on.

--exit-at-end (-e, like kcat -e; Kafka only) stops once every partition assigned to this consumer has been read up to its end (its high-water mark when it was assigned) and the written messages' offsets are committed: exit 0, ended "end of log reached". An empty topic ends at once. With --count, whichever comes first. Queue brokers have no end of log and refuse it (exit 7): use --idle-timeout there.

If the broker goes away, Kafka consumers keep retrying for the --connect-timeout; after that consume exits 3 and says how many written messages could not be committed (they are delivered again to the group).

--recover rides out a lost connection (as bench --recover does): it reconnects with backoff for up to --recover-timeout per outage (default ${DEFAULT_RECOVER_TIMEOUT_MS / 1000}s), subscribes again, and goes on; reconnections are reported on stderr, and --idle-timeout counts only time with a live connection. A message written whose acknowledgement was lost with the connection is delivered again by the broker (redelivered) and written again: at-least-once, so expect duplicate lines. The summary counts them ("written but not acknowledged"); they are not in the count, so --count N still means N messages written and acknowledged, and the output may hold that many more lines. If no connection comes back within the budget, consume exits 3 after the summary. Not with --requeue.`

  static override examples = [
    {
      description: 'Take exactly 10 messages from a RabbitMQ queue; the rest stay queued:',
      command: '<%= config.bin %> <%= command.id %> orders --url amqp://guest:guest@localhost:5672 --count 10',
    },
    {
      description: 'Peek at 5 messages without removing them, as NDJSON:',
      command: '<%= config.bin %> <%= command.id %> orders --url amqp://localhost --requeue --count 5 --json',
    },
    {
      description: 'Drain a queue: stop after 2 s with no message:',
      command: '<%= config.bin %> <%= command.id %> jobs --url file:./queues.db --idle-timeout 2s > jobs.txt',
    },
    {
      description: 'Read a Kafka topic with a named consumer group (its committed offsets, else the beginning), keys shown (key<TAB>body):',
      command: '<%= config.bin %> <%= command.id %> events --url kafka://localhost:9092 --group audit --key-delimiter "\\t" --idle-timeout 5s',
    },
    {
      description: 'Topic, partition, offset and key beside each body, as kcat -f does:',
      command: `<%= config.bin %> <%= command.id %> events --url kafka://localhost:9092 --from beginning -e -f '%t [%p] @%o %k: %s\\n'`,
    },
    {
      description: 'Read a Kafka topic to its current end and exit (kcat -e):',
      command: '<%= config.bin %> <%= command.id %> events --url kafka://localhost:9092 --exit-at-end',
    },
    {
      description: 'Drain a durable queue through a broker restart (reconnect for up to 2 minutes; duplicates possible, at-least-once):',
      command: '<%= config.bin %> <%= command.id %> jobs --url amqp://localhost --idle-timeout 10s --recover --recover-timeout 2m > jobs.txt',
    },
    {
      description: 'On the in-process broker (same process only, so useful mainly for trying flags):',
      command: '<%= config.bin %> <%= command.id %> orders --url memory:// --idle-timeout 100ms',
    },
  ]

  static override args = {
    name: queueNameArg({required: true, ignoreStdin: true, description: 'Queue or topic to consume from.'}),
  }

  static override flags = {
    count: integerFlag({
      min: 1,
      char: 'n',
      charAliases: ['c'],
      summary: 'Stop after N messages (exactly N are acknowledged). (-c still works.)',
      helpGroup: STOP,
    }),
    'idle-timeout': durationFlag({char: 't', summary: 'Stop when nothing arrives for this long, e.g. 2s, 500ms (bare number: seconds).', helpGroup: STOP}),
    'exit-at-end': Flags.boolean({
      char: 'e',
      summary: 'Stop once every assigned partition is read to its end and committed (Kafka; kcat -e).',
      helpGroup: STOP,
    }),
    prefetch: integerFlag({
      min: 1,
      summary: `Most unacknowledged messages in flight. Default: ${DEFAULT_PREFETCH}, or --count when smaller.`,
      helpGroup: SETTLE,
    }),
    ack: Flags.boolean({allowNo: true, summary: 'Acknowledge after writing (default); --no-ack: the broker settles on delivery.', helpGroup: SETTLE}),
    requeue: Flags.boolean({summary: 'Peek: write, then return every message to the queue at the end.', helpGroup: SETTLE}),
    reject: Flags.boolean({summary: 'Reject after writing: no requeue, to the dead-letter target.', helpGroup: SETTLE}),
    group: Flags.string({
      char: 'g',
      summary: 'Consumer group (Kafka; default: a fresh unique group). A named group resumes from its committed offsets.',
      helpGroup: LOG,
    }),
    from: startPositionFlag({
      summary:
        "Start at: beginning, end, OFFSET, -N (the last N of each partition, Kafka; --from=-10), @EPOCH_MS or an ISO date (Kafka, RabbitMQ streams). Default (Kafka): what the topic holds — a named --group's committed offsets, else the beginning.",
      helpGroup: LOG,
    }),
    'key-delimiter': delimiterFlag({
      char: 'K',
      summary: 'Text output: write key<DELIM>body (kcat -K); "\\t" is a tab (also \\n \\r \\0 \\\\).',
      helpGroup: OUTPUT,
    }),
    format: Flags.string({
      char: 'f',
      summary: "Text output in kcat's -f format, e.g. '%t [%p] @%o %k: %s\\n' (no newline added).",
      description: `Tokens: ${FORMAT_TOKENS}.`,
      helpGroup: OUTPUT,
    }),
    recover: Flags.boolean({
      summary:
        'Ride out a lost connection: reconnect with backoff and subscribe again; a message whose ack was lost comes again and is written again (counted). Default: off (a lost connection is exit 3).',
      helpGroup: CONNECTION,
    }),
    'recover-timeout': durationFlag({
      positive: true,
      summary: `With --recover: give up (exit 3) when one outage lasts longer than this. Default: ${DEFAULT_RECOVER_TIMEOUT_MS / 1000}s.`,
      helpGroup: CONNECTION,
    }),
  }

  public async run(): Promise<ConsumeResult | undefined> {
    const {args, flags} = this
    const {count, prefetch} = flags
    const idleTimeoutMs = flags['idle-timeout']
    const mode = settleMode(flags)
    const from = flags.from ?? ({kind: 'default'} as const)
    const recoverBudget = recoverBudgetMs(flags.recover, flags['recover-timeout'])
    const json = this.jsonEnabled()
    const keyDelimiter = flags['key-delimiter']
    if (json && keyDelimiter !== undefined) throw new UsageError('--key-delimiter applies to text output; --json already has a key field')
    const lineFormat = flags.format
    if (lineFormat !== undefined && (json || keyDelimiter !== undefined))
      throw new UsageError(`--format cannot be combined with ${json ? '--json' : '--key-delimiter'}`)
    const formatted = lineFormat === undefined ? undefined : compileLineFormat(lineFormat)
    const format = (delivery: Delivery) => (json ? ndjsonLine(delivery) : formatted ? formatted(delivery) : textLine(delivery, keyDelimiter))
    const formatMany = (deliveries: readonly Delivery[]) => (json || formatted ? Buffer.concat(deliveries.map(format)) : textLines(deliveries, keyDelimiter))

    const output = process.stdout
    let outputError: Error | undefined
    const onOutputError = (error: Error) => (outputError ??= error) // EPIPE: `| head` closed the pipe
    output.on('error', onOutputError)
    // Several lines per write: a write to a file or pipe is a system call, one per line was most of a fast consume's CPU.
    const writeMany = (deliveries: readonly Delivery[]) =>
      new Promise<void>((resolve, reject) => {
        if (outputError) return reject(outputError)
        output.write(deliveries.length === 1 ? format(deliveries[0]) : formatMany(deliveries), (error) => (error ? reject(error) : resolve()))
      })
    const write = (delivery: Delivery) => writeMany([delivery])

    let result: ConsumeResult
    try {
      const context = this.driverContext()
      const loop: Omit<ConsumeLoopOptions, 'driver'> = {
        queue: args.name,
        count,
        idleTimeoutMs,
        prefetch,
        mode,
        group: flags.group,
        from,
        exitAtEnd: flags['exit-at-end'],
        signal: this.interrupt.signal,
        write,
        writeMany,
      }
      const onEvent = (event: RunEvent) => {
        const note = connectionEventNote(event)
        if (note !== undefined) this.diag(note)
      }
      result =
        recoverBudget === undefined
          ? await withDriver(this.url, context, (driver) => consumeMessages({driver, ...loop}))
          : await withRecoveringDriver(this.url, context, {budgetMs: recoverBudget, role: 'consumer', onEvent}, (driver, recovery) =>
              consumeMessages({driver, recovery, ...loop}),
            )
    } finally {
      output.off('error', onOutputError)
    }
    this.diag(consumeSummary(result, args.name))
    const peeked = peekNote(result, count)
    if (peeked !== undefined) this.diag(`mqkit: ${peeked}`)
    const failure =
      result.ended === 'interrupted'
        ? new InterruptedError('interrupted; unwritten messages were returned to the queue')
        : consumeFailure(result, {queue: args.name, count, idleTimeoutMs})
    // The connection-lost failure says it itself; on any other ending it is a warning.
    if (result.uncommitted && result.ended !== 'connection-lost') this.diag(`mqkit: warning: ${uncommittedText(result.uncommitted)}`)
    if (failure) throw failure
    // --json output is the NDJSON lines already written: returning nothing stops a second document.
    return json ? undefined : result
  }
}

function settleMode(flags: {ack?: boolean; requeue?: boolean; reject?: boolean}): SettleMode {
  const chosen = [flags.ack === false ? '--no-ack' : '', flags.requeue ? '--requeue' : '', flags.reject ? '--reject' : ''].filter(Boolean)
  if (flags.ack === true && chosen.length > 0) chosen.unshift('--ack')
  if (chosen.length > 1) throw new UsageError(`choose one of --ack, --requeue, --reject, --no-ack; got ${chosen.join(' and ')}`)
  if (flags.ack === false) return 'auto'
  if (flags.requeue) return 'requeue'
  if (flags.reject) return 'reject'
  return 'ack'
}
