// Queue settings shared by the two built-in backends (memory:// and the file: local store): what
// they accept, what they refuse, and how a redeclare is compared with what exists (RabbitMQ
// semantics: identical → no-op, different → PreconditionError naming the first differing setting).
import {PreconditionError, UnsupportedError, UsageError} from '../errors.js'
import type {Overflow, QueueSpec} from './types.js'

/** The settings memory:// and the local store honour, defaults filled in. */
export interface QueueSettings {
  ttlMs?: number
  maxLength?: number
  overflow: Overflow
  deadLetter?: string
  maxPriority?: number
  /** Recorded for inspect (memory: nothing survives the process; file: everything is on disk). */
  durable?: boolean
}

const COMPARED = ['ttlMs', 'maxLength', 'overflow', 'deadLetter', 'maxPriority'] as const

/** `backend` names the backend in refusals, e.g. "memory://" or "the local store (file:)". */
export function settingsFromSpec(spec: QueueSpec, backend: string): QueueSettings {
  refuseUnsupported(spec, backend)
  if (!spec.name) throw new UsageError('queue name is empty')
  if (spec.overflow !== undefined && spec.overflow !== 'drop-head' && spec.overflow !== 'reject-publish') {
    throw new UsageError(`overflow must be drop-head or reject-publish, got "${String(spec.overflow)}"`)
  }
  const settings: QueueSettings = {overflow: spec.overflow ?? 'drop-head'}
  if (spec.ttlMs !== undefined) settings.ttlMs = wholeNumber('ttlMs', spec.ttlMs, 0)
  if (spec.maxLength !== undefined) settings.maxLength = wholeNumber('maxLength', spec.maxLength, 0)
  if (spec.maxPriority !== undefined) {
    settings.maxPriority = wholeNumber('maxPriority', spec.maxPriority, 0)
    if (settings.maxPriority > 255) throw new UsageError(`maxPriority must be 0..255, got ${spec.maxPriority}`)
  }
  if (spec.deadLetter !== undefined) settings.deadLetter = spec.deadLetter
  if (spec.durable !== undefined) settings.durable = spec.durable
  return settings
}

/** Throws PreconditionError when `requested` differs from the existing queue's settings. */
export function assertSameSettings(name: string, existing: QueueSettings, requested: QueueSettings): void {
  for (const setting of COMPARED) {
    if (existing[setting] !== requested[setting]) {
      throw new PreconditionError(`queue "${name}" exists with ${setting}=${show(existing[setting])}, declared with ${setting}=${show(requested[setting])}`, {
        setting,
      })
    }
  }
}

/** The declared settings as JSON-safe facts for inspect. */
export function settingsExtras(settings: QueueSettings): Record<string, unknown> {
  const extras: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(settings)) if (value !== undefined) extras[key] = value
  if (settings.maxLength === undefined) delete extras.overflow // meaningless without a limit
  return extras
}

/** The priority bucket a message is stored under: 0 without maxPriority, else clamped to 0..max. */
export function priorityBucket(settings: QueueSettings, priority: number | undefined): number {
  const max = settings.maxPriority
  if (max === undefined || max === 0 || priority === undefined) return 0
  const value = Math.trunc(priority)
  return value < 0 ? 0 : Math.min(value, max)
}

function refuseUnsupported(spec: QueueSpec, backend: string): void {
  const refuse = (what: string) => {
    throw new UnsupportedError(`${backend} does not support ${what} (queue "${spec.name}")`)
  }
  if (spec.partitions !== undefined && spec.partitions > 1) refuse(`partitions (asked for ${spec.partitions})`)
  if (spec.replication !== undefined && spec.replication > 1) refuse(`replication (asked for ${spec.replication})`)
  if (spec.queueType !== undefined && spec.queueType !== 'classic') refuse(`queue type "${spec.queueType}"`)
  if (spec.exclusive) refuse('exclusive queues')
  if (spec.autoDelete) refuse('auto-delete queues')
  if (spec.expiresMs !== undefined) refuse('queue expiry (expiresMs)')
  if (spec.maxLengthBytes !== undefined) refuse('maxLengthBytes')
  if (spec.singleActiveConsumer) refuse('single active consumer')
  if (spec.deadLetterKey !== undefined) refuse('deadLetterKey (deadLetter names the target queue)')
  if (spec.args && Object.keys(spec.args).length > 0) refuse(`raw arguments (${Object.keys(spec.args).join(', ')})`)
}

function wholeNumber(setting: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) throw new UsageError(`${setting} must be a whole number ≥ ${min}, got ${value}`)
  return value
}

function show(value: unknown): string {
  return value === undefined ? 'unset' : String(value)
}
