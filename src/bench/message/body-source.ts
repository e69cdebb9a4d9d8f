// Which bodies a run sends: stamped bodies of their own (payload.ts) when the stamp is the body's
// first bytes, one shared payload (shared-payload.ts) when it travels in a header.
import {readPayloadFile, type BenchOptions} from '../options.js'
import {PayloadSource, type BodySource} from './payload.js'
import {SharedPayload} from './shared-payload.js'

/**
 * Where a run's timing stamp travels: as the workload says, else a record header on Kafka, whose
 * consumers take a record's value for the payload (stamp-header.ts), and the body's first bytes
 * elsewhere (stamp.ts), which cost no header encoding.
 */
export function stampPlacement(o: BenchOptions, backend: string): 'body' | 'header' {
  return o.stamp ?? (backend === 'kafka' ? 'header' : 'body')
}

export function bodySource(o: BenchOptions, stampInHeader: boolean): BodySource {
  const file = o.payloadFile !== undefined ? readPayloadFile(o.payloadFile) : undefined
  if (stampInHeader) {
    // The body is the payload alone: a file exactly (options.ts counted the stamp into sizeBytes
    // for it), else --size bytes.
    if (file !== undefined) return SharedPayload.of(file, file.length, file.length)
    return SharedPayload.random(o.sizeBytes, o.maxSizeBytes)
  }
  const source = file !== undefined ? new PayloadSource(file, o.sizeBytes, o.maxSizeBytes) : PayloadSource.random(o.sizeBytes, o.maxSizeBytes)
  source.recycle = true
  return source
}
