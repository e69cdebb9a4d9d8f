// What the broker says about itself in connection.start (server properties), plus the client
// library and its version, for result metadata (Driver.serverInfo).
import {packageVersion} from '../package-version.js'
import type {ChannelModel} from 'amqplib'

/** The server properties we report, under their Driver.serverInfo keys. */
const REPORTED: Record<string, string> = {
  product: 'server.product',
  version: 'server.version',
  cluster_name: 'server.cluster_name',
  platform: 'server.platform',
}

export function serverInfo(model: ChannelModel): Record<string, string> {
  const properties = (model.connection.serverProperties ?? {}) as Record<string, unknown>
  const info: Record<string, string> = {}
  for (const [property, key] of Object.entries(REPORTED)) {
    const value = properties[property]
    // longstr values may arrive as Buffers depending on how the broker encoded them.
    if (typeof value === 'string' && value !== '') info[key] = value
    else if (Buffer.isBuffer(value) && value.length > 0) info[key] = value.toString('utf8')
  }
  info['client.library'] = 'amqplib'
  info['client.version'] = packageVersion('amqplib')
  return info
}
