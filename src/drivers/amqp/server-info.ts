// What the broker says about itself in connection.start (server properties), plus the client
// library and its version, for result metadata (Driver.serverInfo).
import {readFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import path from 'node:path'
import type {ChannelModel} from 'amqplib'

/** The server properties we report, under their Driver.serverInfo keys. */
const REPORTED: Record<string, string> = {
  product: 'server.product',
  version: 'server.version',
  cluster_name: 'server.cluster_name',
  platform: 'server.platform',
}

let amqplibVersion: string | undefined

/**
 * amqplib's version from its package.json. The package's `exports` map does not expose
 * package.json, so it is found next to the resolved entry point and read directly.
 */
export function clientVersion(): string {
  if (amqplibVersion !== undefined) return amqplibVersion
  try {
    const entry = createRequire(import.meta.url).resolve('amqplib')
    const manifest = JSON.parse(readFileSync(path.join(path.dirname(entry), 'package.json'), 'utf8')) as {version?: unknown}
    amqplibVersion = typeof manifest.version === 'string' ? manifest.version : 'unknown'
  } catch {
    amqplibVersion = 'unknown'
  }
  return amqplibVersion
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
  info['client.version'] = clientVersion()
  return info
}
