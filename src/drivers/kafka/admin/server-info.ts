// What the cluster says about itself (DescribeCluster through Metadata: cluster id, brokers,
// controller) plus the client library and its version, for result metadata (Driver.serverInfo).
// No server.version: Kafka's protocol never states the broker's release. ApiVersions lists API
// version ranges, from which only a lower bound could be guessed ("≥ 3.x"), and a guess would
// read like a fact in a benchmark's metadata.
import {packageVersion} from '../../package-version.js'
import type {Admin} from 'kafkajs'
import {toMqkitError} from '../errors.js'
import type {KafkaClientName} from '../produce/produce-client.js'

/** `client.*` names the library that does admin and consuming; `client.producer.*` the one that produces when it is another. */
export async function serverInfo(admin: Admin, brokers: string, producerClient: KafkaClientName = 'kafkajs'): Promise<Record<string, string>> {
  let cluster: Awaited<ReturnType<Admin['describeCluster']>>
  try {
    cluster = await admin.describeCluster()
  } catch (error) {
    throw toMqkitError(error, {action: 'describe the cluster', brokers})
  }
  const info: Record<string, string> = {'server.product': 'Apache Kafka'}
  if (cluster.clusterId) info['server.cluster_id'] = cluster.clusterId
  info['server.brokers'] = String(cluster.brokers.length)
  // In KRaft mode the Metadata response names an alive broker here, not the quorum's active
  // controller (clients cannot reach controllers); with combined nodes it is that node's id.
  if (cluster.controller !== null && cluster.controller !== undefined && cluster.controller >= 0) info['server.controller'] = String(cluster.controller)
  info['client.library'] = 'kafkajs'
  info['client.version'] = packageVersion('kafkajs')
  if (producerClient === 'platformatic') {
    info['client.producer.library'] = '@platformatic/kafka'
    // Its package.json is not beside its entry point (dist/), where packageVersion looks.
    info['client.producer.version'] = (await import('@platformatic/kafka')).clientSoftwareVersion
  }
  return info
}
