// Queue declarations for the local store: the same rules as memory:// (stored as JSON in the
// `queues` table so every process sharing the store sees them).
import type {QueueSpec} from '../types.js'
import {settingsFromSpec as settingsFor, type QueueSettings} from '../queue-settings.js'

export {assertSameSettings, priorityBucket, settingsExtras, type QueueSettings} from '../queue-settings.js'

export function settingsFromSpec(spec: QueueSpec): QueueSettings {
  return settingsFor(spec, 'the local store (file:)')
}
