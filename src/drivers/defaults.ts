// The driver contract's defaults (types.ts names them with @default), each defined once here and
// imported by every driver and every caller that needs the value.
import type {DriverFeatures, Features} from './types.js'

/** ConsumeOptions.prefetch when not given: most unacknowledged deliveries per consumer. @default 100 */
export const DEFAULT_PREFETCH = 100

/** DriverContext.connectTimeoutMs when not given, in milliseconds. @default 10000 */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000

/** The value of each optional Features field a driver leaves out (see its @default in types.ts). */
export const FEATURE_DEFAULTS = Object.freeze({
  missingQueueOnPublish: 'not-found',
  endsOnDelete: true,
  keyPreserved: true,
  endOfLog: false,
  backlogIsGroupLag: false,
} as const satisfies Required<Pick<Features, OptionalFeature>>)

/** The Features fields a driver may leave out. */
type OptionalFeature = {[K in keyof Features]-?: undefined extends Features[K] ? K : never}[keyof Features]

/**
 * A driver's declared features with every optional one filled in, frozen. Each driver builds its
 * `features` with this once, so no reader needs a fallback (`?? 'not-found'`, `!== false`).
 */
export function withFeatureDefaults(declared: Features): DriverFeatures {
  return Object.freeze({...FEATURE_DEFAULTS, ...withoutUndefined(declared)})
}

/** `{endOfLog: undefined}` means "not declared": the default, not undefined, must win. */
function withoutUndefined(features: Features): Features {
  return Object.fromEntries(Object.entries(features).filter(([, value]) => value !== undefined)) as Features
}
