// Queue statistics from the management HTTP API when it answers, else by passive declare.
// Passive declare only knows ready messages and consumers, so it reports inFlight 0 with
// extras.inFlightKnown=false rather than a made-up number.
// Management figures are sampled by the broker (every 5 s by default), so for named queues the
// live ready/consumer counts still come from a passive declare and the API adds the rest.
import {ConnectionError, NotFoundError, UnsupportedError, UsageError} from '../../errors.js'
import {redactWholeUrl, userinfoProblem} from '../../url.js'
import type {InspectResult, QueueStats} from '../types.js'
import type {Connection} from './channels.js'
import {AMQP_PORT, AMQPS_PORT, type AmqpTarget} from './connect.js'

/** @default 3000 — the management API is local and either answers fast or not at all. */
export const MANAGEMENT_TIMEOUT_MS = 3000

export interface ManagementEndpoint {
  baseUrl: string
  /** Printable: no credentials. */
  displayUrl: string
  authorization: string
  /** Given explicitly (so failing to reach it is an error) rather than guessed. */
  explicit: boolean
}

/** AMQP ports next to which the management API's default port 15672 is a fair guess. */
const STANDARD_AMQP_PORTS = new Set([AMQPS_PORT, AMQP_PORT])

/**
 * `?mgmt=http://host:15672` or the context's managementUrl picks the API; `?mgmt=off` disables it;
 * otherwise, for a broker on the standard AMQP port, http://<amqp host>:15672 is tried with the
 * AMQP credentials. A broker on another port is another node (or a proxy): 15672 on that host
 * may belong to a different broker, whose figures must not be reported as this one's.
 */
export function managementEndpoint(target: AmqpTarget, query: URLSearchParams, fromContext?: string): ManagementEndpoint | undefined {
  const given = query.get('mgmt') ?? fromContext
  if (given !== undefined && /^(off|false|no|none|0)$/i.test(given)) return undefined
  if (given === undefined && !STANDARD_AMQP_PORTS.has(target.connect.port ?? AMQP_PORT)) return undefined
  const raw = given ?? `http://${target.connect.hostname?.includes(':') ? `[${target.connect.hostname}]` : target.connect.hostname}:15672`
  const invalid = (problem?: string) =>
    new UsageError(`the management API URL (?mgmt= in the broker URL) is not a valid URL: "${redactWholeUrl(raw)}"${problem ? `; ${problem}` : ''}`)
  const problem = userinfoProblem(raw)
  if (problem) throw invalid(problem)
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw invalid()
  }
  const user = url.username === '' ? target.user : decodeURIComponent(url.username)
  const password = url.username === '' ? (target.connect.password ?? '') : decodeURIComponent(url.password)
  url.username = ''
  url.password = ''
  const baseUrl = url.toString().replace(/\/+$/, '')
  return {baseUrl, displayUrl: baseUrl, authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`, explicit: given !== undefined}
}

interface ManagementQueue {
  name: string
  type?: string
  state?: string
  durable?: boolean
  messages_ready?: number
  messages_unacknowledged?: number
  consumers?: number
  memory?: number
  /** x-arguments the queue was declared with (x-max-length, x-message-ttl, x-dead-letter-exchange…). */
  arguments?: Record<string, unknown>
  message_stats?: {publish_details?: {rate?: number}; deliver_get_details?: {rate?: number}}
}

async function getJson(endpoint: ManagementEndpoint, path: string): Promise<{status: number; body: unknown}> {
  const response = await fetch(`${endpoint.baseUrl}${path}`, {
    headers: {authorization: endpoint.authorization},
    signal: AbortSignal.timeout(MANAGEMENT_TIMEOUT_MS),
  })
  const body: unknown = response.ok ? await response.json() : undefined
  return {status: response.status, body}
}

function fromManagement(queue: ManagementQueue): QueueStats {
  return {
    name: queue.name,
    ready: queue.messages_ready ?? 0,
    inFlight: queue.messages_unacknowledged ?? 0,
    consumers: queue.consumers ?? 0,
    extras: {
      inFlightKnown: true,
      type: queue.type ?? 'classic',
      state: queue.state,
      durable: queue.durable,
      memoryBytes: queue.memory,
      publishRatePerSec: queue.message_stats?.publish_details?.rate ?? 0,
      deliverRatePerSec: queue.message_stats?.deliver_get_details?.rate ?? 0,
      // What rabbitmqadmin's list queues shows as arguments: the settings behind the figures.
      arguments: queue.arguments ?? {},
    },
  }
}

async function passiveStats(connection: Connection, name: string): Promise<QueueStats> {
  const reply = await connection.withChannel({operation: `inspect queue "${name}"`, queue: name}, (channel) => channel.checkQueue(name))
  return {name, ready: reply.messageCount, inFlight: 0, consumers: reply.consumerCount, extras: {inFlightKnown: false}}
}

/**
 * How long an answer of the management API is reused for named queues. RabbitMQ refreshes the
 * figures it serves only every collect_statistics_interval (5 s by default), so asking again
 * sooner learns nothing new, while each call costs the broker CPU: bench samples the queue
 * length every 100 ms, and those calls take broker CPU from the run being measured.
 * Ready counts and consumers always come live from a passive declare.
 */
export const MANAGEMENT_REUSE_MS = 1000

const recentAnswers = new WeakMap<ManagementEndpoint, {key: string; atMs: number; answer: Map<string, ManagementQueue> | undefined}>()

/** undefined when the API did not answer and was only guessed. */
async function managementQueues(endpoint: ManagementEndpoint, vhost: string, names: string[]): Promise<Map<string, ManagementQueue> | undefined> {
  if (names.length === 0) return askManagement(endpoint, vhost, names)
  const key = `${vhost}\n${names.join('\n')}`
  const recent = recentAnswers.get(endpoint)
  if (recent && recent.key === key && performance.now() - recent.atMs < MANAGEMENT_REUSE_MS) return recent.answer
  const answer = await askManagement(endpoint, vhost, names)
  recentAnswers.set(endpoint, {key, atMs: performance.now(), answer})
  return answer
}

async function askManagement(endpoint: ManagementEndpoint, vhost: string, names: string[]): Promise<Map<string, ManagementQueue> | undefined> {
  const vhostPath = encodeURIComponent(vhost)
  try {
    const {status, body} = await getJson(
      endpoint,
      `/api/queues/${vhostPath}?columns=name,type,state,durable,messages_ready,messages_unacknowledged,consumers,memory,message_stats,arguments`,
    )
    if (status === 401 || status === 403) throw new ConnectionError(`management API ${endpoint.displayUrl} refused the credentials (HTTP ${status})`)
    if (status === 404) throw new NotFoundError(`vhost "${vhost}" not found by the management API ${endpoint.displayUrl}`)
    if (!Array.isArray(body)) throw new ConnectionError(`management API ${endpoint.displayUrl} answered HTTP ${status}`)
    const byName = new Map<string, ManagementQueue>()
    for (const queue of body as ManagementQueue[]) if (names.length === 0 || names.includes(queue.name)) byName.set(queue.name, queue)
    return byName
  } catch (error) {
    if (!endpoint.explicit) return undefined
    if (error instanceof ConnectionError || error instanceof NotFoundError) throw error
    throw new ConnectionError(`management API ${endpoint.displayUrl} not reachable: ${(error as Error).message}`, {cause: error})
  }
}

export async function inspectQueues(
  connection: Connection,
  target: AmqpTarget,
  endpoint: ManagementEndpoint | undefined,
  names: string[],
): Promise<InspectResult> {
  const extras: Record<string, unknown> = {vhost: target.vhost, broker: target.hostPort}
  const fromApi = endpoint ? await managementQueues(endpoint, target.vhost, names) : undefined
  if (names.length === 0) {
    if (!fromApi) {
      throw new UnsupportedError(
        'listing every queue needs the RabbitMQ management API (rabbitmq-plugins enable rabbitmq_management, or give its address as ?mgmt=http://host:15672 in the URL); name the queues to inspect them by passive declare',
      )
    }
    const queues = [...fromApi.values()].map(fromManagement).sort((a, b) => a.name.localeCompare(b.name))
    return {queues, source: `management API ${endpoint!.displayUrl}`, extras}
  }
  const queues: QueueStats[] = []
  for (const name of names) {
    // Passive declare: live figures, and a NotFoundError for a missing queue either way.
    const live = await passiveStats(connection, name)
    const api = fromApi?.get(name)
    if (!api) {
      queues.push(live)
      continue
    }
    const merged = fromManagement(api)
    queues.push({...merged, ready: live.ready, consumers: live.consumers, extras: {...merged.extras, inFlightSampled: true}})
  }
  const source = fromApi ? `passive declare + management API ${endpoint!.displayUrl}` : 'passive declare'
  return {queues, source, extras}
}
