import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../../base-command.js'
import {addContext, type AddedContext} from '../../config/contexts.js'
import {renderAdded} from '../../output/contexts.js'

export default class ContextAdd extends BaseCommand<typeof ContextAdd> {
  static override summary = 'Add a named context: a name for a broker URL.'

  static override description = `Commands then take --context NAME (or MQKIT_CONTEXT=NAME, or the current context: mqkit context use NAME) instead of --url.

Keep secrets out of the file: write \${NAME} for an environment variable, expanded each time a command uses the context (an unset variable is an error naming it). Quote the URL with single quotes so your shell leaves \${NAME} alone. A password written into the URL is refused unless --allow-plain-password; the file is created 0600 in a 0700 folder either way.`

  static override examples = [
    {
      description: 'RabbitMQ, the password from $RABBIT_PASSWORD:',
      command: `<%= config.bin %> <%= command.id %> prod 'amqp://app:\${RABBIT_PASSWORD}@rabbit.example.com:5672/prod'`,
    },
    {description: 'A local store, made the current context:', command: '<%= config.bin %> <%= command.id %> local file:~/queues.db --use'},
    {
      description: 'Kafka with SASL:',
      command: `<%= config.bin %> <%= command.id %> events 'kafka://mqkit:\${KAFKA_PASSWORD}@127.0.0.1:9094?sasl=scram-sha-512'`,
    },
    {
      description: 'The local RabbitMQ with its default password written out:',
      command: '<%= config.bin %> <%= command.id %> dev amqp://guest:guest@127.0.0.1:5672 --allow-plain-password',
    },
  ]

  static override baseFlags = {verbose: BaseCommand.baseFlags.verbose} as unknown as typeof BaseCommand.baseFlags

  static override args = {
    name: Args.string({required: true, description: 'The context name: letters, digits, ".", "_", "-".'}),
    url: Args.string({required: true, description: `The broker URL, as for --url; \${NAME} refers to an environment variable.`}),
  }

  static override flags = {
    use: Flags.boolean({summary: 'Also make it the current context.'}),
    force: Flags.boolean({summary: 'Replace a context of that name.'}),
    'allow-plain-password': Flags.boolean({summary: 'Store a password written into the URL rather than refuse it (better: refer to an environment variable).'}),
  }

  public async run(): Promise<AddedContext> {
    const {args, flags} = this
    const added = addContext(args.name, args.url, {use: flags.use, replace: flags.force, allowPlainPassword: flags['allow-plain-password']})
    if (!this.jsonEnabled()) this.log(renderAdded(added))
    return added
  }
}
