// Queue declarations for the memory broker: the shared built-in rules, named for memory://.
import type {QueueSpec} from '../types.js'
import {settingsFromSpec as settingsFor, type QueueSettings} from '../queue-settings.js'

export {assertSameSettings, priorityBucket, settingsExtras, type QueueSettings} from '../queue-settings.js'

export function settingsFromSpec(spec: QueueSpec): QueueSettings {
  return settingsFor(spec, 'memory://')
}
