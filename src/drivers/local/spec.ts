// Queue declarations for the local store: the same settings and redeclare rules as memory://
// (identical → no-op, different → PreconditionError naming the first differing setting), stored
// as JSON in the `queues` table so every process sharing the store sees them.
import {PreconditionError, UnsupportedError, UsageError} from '../../errors.js'
import type {Overflow, QueueSpec} from '../types.js'

/** The settings the local store honours, defaults filled in. */
export interface QueueSettings {
  ttlMs?: number
  maxLength?: number
  overflow: Overflow
  deadLetter?: string
  maxPriority?: number
  /** Recorded for inspect: every queue in the store is on disk whatever this says. */
  durable?: boolean
}

const COMPARED = ['ttlMs', 'maxLength', 'overflow', 'deadLetter', 'maxPriority'] as const

export function settingsFromSpec(spec: QueueSpec): QueueSettings {
  refuseUnsupported(spec)
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
      throw new PreconditionError(
        `queue "${name}" exists with ${setting}=${show(existing[setting])}, declared with ${setting}=${show(requested[setting])}`,
        {setting},
      )
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
  return value < 0 ? 0 : value > max ? max : value
}

function refuseUnsupported(spec: QueueSpec): void {
  const refuse = (what: string) => {
    throw new UnsupportedError(`the local store (file:) does not support ${what} (queue "${spec.name}")`)
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
