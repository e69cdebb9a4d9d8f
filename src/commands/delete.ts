import {Flags} from '@oclif/core'
import {queueNameArg} from '../flags.js'
import {BaseCommand} from '../base-command.js'
import {remove, type DeleteOutcome} from '../core/declare.js'
import {withDriver} from '../drivers/index.js'
import {renderDelete} from '../output/declare.js'

export default class Delete extends BaseCommand<typeof Delete> {
  static override urlDefault = 'local-store' as const

  static override summary = 'Delete a queue (topic) or exchange, with any messages in it.'

  static override description = 'A queue that does not exist is exit 5, unless --if-exists. Same as `mqkit declare NAME --delete`.'

  static override examples = [
    {description: 'A RabbitMQ queue:', command: '<%= config.bin %> <%= command.id %> orders --url amqp://guest:guest@localhost:5672'},
    {description: 'A RabbitMQ exchange:', command: '<%= config.bin %> <%= command.id %> logs --exchange --url amqp://localhost'},
    {description: 'A Kafka topic, fine if it is already gone:', command: '<%= config.bin %> <%= command.id %> events --url kafka://localhost:9092 --if-exists'},
    {description: 'A queue of the local store (JSON result):', command: '<%= config.bin %> <%= command.id %> jobs --url file:./queues.db --json'},
    {description: 'On the in-process broker:', command: '<%= config.bin %> <%= command.id %> orders --url memory:// --if-exists'},
  ]

  static override args = {
    name: queueNameArg({required: true, ignoreStdin: true, description: 'Queue, topic or exchange name.'}),
  }

  static override flags = {
    exchange: Flags.boolean({summary: 'NAME is an exchange (RabbitMQ).'}),
    'if-exists': Flags.boolean({summary: 'Succeed when NAME does not exist.'}),
  }

  public async run(): Promise<DeleteOutcome> {
    const {args, flags} = this
    const target = {kind: flags.exchange ? ('exchange' as const) : ('queue' as const), name: args.name, ifExists: flags['if-exists']}
    const outcome = await withDriver(this.url, this.driverContext(), (driver) => remove(driver, target))
    if (!this.jsonEnabled()) this.log(renderDelete(outcome))
    return outcome
  }
}
