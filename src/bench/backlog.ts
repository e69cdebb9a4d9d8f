// What the bench consumers still have to settle. On a queue broker that is ready + in flight;
// on a log (Kafka) messages are never removed by consuming, so the backlog is the consumer
// group's lag, and the bench consumers of each topic share one group for it to be measured.
import type {Driver} from '../drivers/types.js'

/**
 * The consumer group of the bench consumers reading `queue`: one group per topic, because
 * kafkajs's assigners hand every topic any member subscribes to to every member of the group.
 * Queue brokers ignore groups.
 */
export function benchGroup(queue: string): string {
  return `${queue}-consumers`
}

/**
 * Sum of ready + in-flight (Kafka: lag of each topic's bench group) over the bench queues.
 * `readyOnly` once the consumers are closed: what they held unacked is back among the ready
 * messages, and an in-flight figure from a sampled source (RabbitMQ's management API refreshes
 * every 5 s) could still show deliveries that were acked seconds ago.
 */
export async function backlog(admin: Driver, names: string[], {readyOnly = false} = {}): Promise<number> {
  // Only a log's backlog depends on the group; a queue broker answers for all queues at once.
  const perGroup = admin.features.backlogIsGroupLag
  const results = perGroup ? await Promise.all(names.map((name) => admin.inspect([name], {group: benchGroup(name)}))) : [await admin.inspect(names)]
  let sum = 0
  for (const result of results) for (const q of result.queues) sum += readyOnly ? q.ready : q.ready + q.inFlight
  return sum
}
