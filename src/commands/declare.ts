import {Flags} from '@oclif/core'
import {BaseCommand, type BaseFlags} from '../base-command.js'
import {bindingsFor, declare, remove, type DeclareOutcome, type DeclarePlan, type DeleteOutcome} from '../core/declare.js'
import {withDriver} from '../drivers/index.js'
import type {ExchangeSpec, QueueSpec} from '../drivers/types.js'
import {UsageError} from '../errors.js'
import {bytesFlag, durationFlag, integerFlag, queueNameArg} from '../flags.js'
import {parseTypedArgs} from '../flag-grammars.js'
import {renderDeclare, renderDelete} from '../output/declare.js'

const QUEUE = 'QUEUE'
const EXCHANGE = 'EXCHANGE'
const BINDING = 'BINDING'

export default class Declare extends BaseCommand<typeof Declare> {
  static override urlDefault = 'local-store' as const

  static override summary = 'Declare a queue (topic) or exchange, bind it, or delete it.'

  static override description =
    `Declares NAME with backend-neutral settings; each backend maps them to its own (RabbitMQ: x-arguments, Kafka: topic configs, memory/file: native). A declare is idempotent: an identical redeclare reports "already existed"; one with different settings fails with exit 6 naming the setting. A setting the backend cannot honour fails with exit 7 instead of being ignored.

With --exchange-type, NAME is an exchange (RabbitMQ). --bind EXCHANGE binds NAME to EXCHANGE once per --routing-key. --delete deletes NAME instead (same as \`mqkit delete\`).

Durations take a unit (500ms, 30s, 5m, 1h); --ttl and --expires refuse a bare number (it used to be milliseconds, as in RabbitMQ's x-message-ttl; elsewhere in mqkit a bare number is seconds).`

  static override examples = [
    {description: 'A queue on the in-process broker (JSON result):', command: '<%= config.bin %> <%= command.id %> orders --url memory:// --json'},
    {
      description: 'A durable RabbitMQ quorum queue with a TTL, a length limit and a dead-letter exchange:',
      command:
        '<%= config.bin %> <%= command.id %> orders --url amqp://guest:guest@localhost:5672 --durable --queue-type quorum --ttl 60s --max-length 10000 --overflow reject-publish --dead-letter orders.dlx',
    },
    {
      description: 'A topic exchange, then a queue bound to it with two routing keys:',
      command:
        '<%= config.bin %> <%= command.id %> logs --url amqp://localhost --exchange-type topic --durable\n<%= config.bin %> <%= command.id %> errors --url amqp://localhost --bind logs --routing-key "*.error" --routing-key "*.fatal"',
    },
    {
      description: 'A Kafka topic with 6 partitions, 1 day retention and a raw topic config:',
      command: '<%= config.bin %> <%= command.id %> events --url kafka://localhost:9092 --partitions 6 --replication 1 --ttl 24h --arg cleanup.policy=delete',
    },
    {
      description: 'A queue in the local store (shared by separate commands, no server):',
      command: '<%= config.bin %> <%= command.id %> jobs --url file:./queues.db --max-priority 9',
    },
    {description: 'Delete a queue:', command: '<%= config.bin %> <%= command.id %> orders --delete --url amqp://localhost'},
  ]

  static override args = {
    name: queueNameArg({required: true, ignoreStdin: true, description: 'Queue or topic name (an exchange name with --exchange-type).'}),
  }

  static override flags = {
    durable: Flags.boolean({allowNo: true, summary: 'Survive a broker restart (--no-durable: explicitly not).', helpGroup: QUEUE}),
    ttl: durationFlag({bareUnit: 'unit', summary: 'Message time-to-live, e.g. 30s or 500ms (a unit is required). Kafka: retention.ms.', helpGroup: QUEUE}),
    'max-length': integerFlag({min: 0, summary: 'Most ready messages kept.', helpGroup: QUEUE}),
    'max-length-bytes': bytesFlag({
      max: Number.MAX_SAFE_INTEGER,
      summary: 'Most ready bytes kept, e.g. 10MiB (RabbitMQ x-max-length-bytes).',
      helpGroup: QUEUE,
    }),
    overflow: Flags.option({options: ['drop-head', 'reject-publish'] as const, summary: 'What a full queue does. Default: drop-head.', helpGroup: QUEUE})(),
    'dead-letter': Flags.string({summary: 'Where expired/rejected messages go: a queue (memory, file) or an exchange (RabbitMQ).', helpGroup: QUEUE}),
    'dead-letter-key': Flags.string({summary: 'Routing key for dead letters (RabbitMQ).', helpGroup: QUEUE}),
    'max-priority': integerFlag({min: 0, max: 255, summary: 'Highest message priority honoured, 0-255.', helpGroup: QUEUE}),
    partitions: integerFlag({min: 1, summary: 'Number of partitions (Kafka).', helpGroup: QUEUE}),
    replication: integerFlag({min: 1, summary: 'Replication factor (Kafka).', helpGroup: QUEUE}),
    exclusive: Flags.boolean({allowNo: true, summary: 'Only this connection may use it; deleted when it closes (RabbitMQ).', helpGroup: QUEUE}),
    'auto-delete': Flags.boolean({allowNo: true, summary: 'Deleted when its last consumer (queue) or binding (exchange) goes away.', helpGroup: QUEUE}),
    expires: durationFlag({
      bareUnit: 'unit',
      summary: 'Delete the queue after this long unused, e.g. 30m (a unit is required; RabbitMQ x-expires).',
      helpGroup: QUEUE,
    }),
    'queue-type': Flags.option({options: ['classic', 'quorum', 'stream'] as const, summary: 'RabbitMQ queue type.', helpGroup: QUEUE})(),
    'single-active-consumer': Flags.boolean({allowNo: true, summary: 'Only one consumer receives at a time (RabbitMQ).', helpGroup: QUEUE}),
    arg: Flags.string({
      multiple: true,
      multipleNonGreedy: true,
      summary: 'Raw backend argument key=value (repeatable); numbers and true/false are typed, force with str:/int:/num:/bool:.',
      helpGroup: QUEUE,
    }),
    'exchange-type': Flags.option({
      options: ['direct', 'fanout', 'topic', 'headers'] as const,
      summary: 'Declare NAME as an exchange of this type (RabbitMQ).',
      helpGroup: EXCHANGE,
    })(),
    'alternate-exchange': Flags.string({summary: 'Where the exchange sends messages it cannot route.', helpGroup: EXCHANGE}),
    bind: Flags.string({multiple: true, multipleNonGreedy: true, summary: 'Bind NAME to this exchange (repeatable).', helpGroup: BINDING}),
    'routing-key': Flags.string({
      multiple: true,
      multipleNonGreedy: true,
      summary: 'Binding key for --bind (repeatable: one binding each). Default: "".',
      helpGroup: BINDING,
    }),
    'bind-arg': Flags.string({
      multiple: true,
      multipleNonGreedy: true,
      summary: 'Binding argument key=value, e.g. x-match=all for headers exchanges (repeatable).',
      helpGroup: BINDING,
    }),
    delete: Flags.boolean({summary: 'Delete NAME instead of declaring it (an exchange with --exchange-type).'}),
    'if-exists': Flags.boolean({summary: 'With --delete: succeed when NAME does not exist.', dependsOn: ['delete']}),
  }

  public async run(): Promise<DeclareOutcome | DeleteOutcome> {
    const {args, flags} = this
    const context = this.driverContext()
    if (flags.delete) {
      const given = declarationFlags().filter((flag) => flags[flag] !== undefined && flag !== 'exchange-type')
      if (given.length > 0) throw new UsageError(`--delete cannot be combined with --${given[0]}`)
      const kind = flags['exchange-type'] === undefined ? 'queue' : 'exchange'
      const outcome = await withDriver(this.url, context, (driver) => remove(driver, {kind, name: args.name, ifExists: flags['if-exists']}))
      if (!this.jsonEnabled()) this.log(renderDelete(outcome))
      return outcome
    }
    const plan = planFromFlags(args.name, flags)
    const outcome = await withDriver(this.url, context, (driver) => declare(driver, plan))
    if (!this.jsonEnabled()) this.log(renderDeclare(outcome, this.stdoutColour))
    return outcome
  }
}

type DeclareFlags = BaseFlags<typeof Declare>
type DeclareFlagName = keyof typeof Declare.flags

/** The flags that describe what is declared: those of the QUEUE, EXCHANGE and BINDING groups, in help order. */
function declarationFlags(): DeclareFlagName[] {
  return (Object.keys(Declare.flags) as DeclareFlagName[]).filter((name) => {
    const group = Declare.flags[name].helpGroup
    return group === QUEUE || group === EXCHANGE || group === BINDING
  })
}

/** Flags of the QUEUE group that an exchange takes too. */
const QUEUE_FLAGS_FOR_EXCHANGES: readonly DeclareFlagName[] = ['durable', 'auto-delete', 'arg']

/** Only the flags given end up in the spec: an absent flag means "backend default". */
function planFromFlags(name: string, f: DeclareFlags): DeclarePlan {
  const args = f.arg && f.arg.length > 0 ? parseTypedArgs('arg', f.arg) : undefined
  const bindArgs = f['bind-arg'] && f['bind-arg'].length > 0 ? parseTypedArgs('bind-arg', f['bind-arg']) : undefined
  const bind = f.bind ?? []
  const routingKeys = f['routing-key'] ?? []
  if (bind.length === 0 && (routingKeys.length > 0 || bindArgs)) {
    throw new UsageError(`--${routingKeys.length > 0 ? 'routing-key' : 'bind-arg'} needs --bind EXCHANGE`)
  }
  const exchangeType = f['exchange-type']
  if (exchangeType !== undefined) {
    const queueOnly = declarationFlags().filter(
      (flag) => f[flag] !== undefined && Declare.flags[flag].helpGroup === QUEUE && !QUEUE_FLAGS_FOR_EXCHANGES.includes(flag),
    )
    if (queueOnly.length > 0) throw new UsageError(`--${queueOnly[0]} applies to queues, not to an exchange (--exchange-type)`)
    const exchange: ExchangeSpec = {name, type: exchangeType}
    if (f.durable !== undefined) exchange.durable = f.durable
    if (f['auto-delete'] !== undefined) exchange.autoDelete = f['auto-delete']
    if (f['alternate-exchange'] !== undefined) exchange.alternateExchange = f['alternate-exchange']
    if (args) exchange.args = args
    return {kind: 'exchange', exchange, bindings: bindingsFor(name, 'exchange', bind, routingKeys, bindArgs)}
  }
  if (f['alternate-exchange'] !== undefined) throw new UsageError('--alternate-exchange needs --exchange-type')
  const queue: QueueSpec = {name}
  const set = <K extends keyof QueueSpec>(key: K, value: QueueSpec[K] | undefined) => {
    if (value !== undefined) queue[key] = value
  }
  set('durable', f.durable)
  set('ttlMs', f.ttl)
  set('maxLength', f['max-length'])
  set('maxLengthBytes', f['max-length-bytes'])
  set('overflow', f.overflow)
  set('deadLetter', f['dead-letter'])
  set('deadLetterKey', f['dead-letter-key'])
  set('maxPriority', f['max-priority'])
  set('partitions', f.partitions)
  set('replication', f.replication)
  set('exclusive', f.exclusive)
  set('autoDelete', f['auto-delete'])
  set('expiresMs', f.expires)
  set('queueType', f['queue-type'])
  set('singleActiveConsumer', f['single-active-consumer'])
  set('args', args)
  return {kind: 'queue', queue, bindings: bindingsFor(name, 'queue', bind, routingKeys, bindArgs)}
}
