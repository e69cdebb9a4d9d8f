// inspect: one snapshot, or a snapshot every interval until the signal aborts (--watch).
import type {Driver, InspectOptions, InspectResult} from '../drivers/types.js'

export interface InspectSnapshot extends InspectResult {
  /** When the figures were read, epoch ms. */
  atMs: number
}

export async function inspectOnce(driver: Driver, names: string[], options: InspectOptions = {}): Promise<InspectSnapshot> {
  const result = await driver.inspect(names, options)
  return {atMs: Date.now(), ...result}
}

/** Call `onSnapshot` every `intervalMs` (measured start to start) until `signal` aborts. */
export async function watchInspect(
  driver: Driver,
  names: string[],
  options: InspectOptions,
  intervalMs: number,
  signal: AbortSignal,
  onSnapshot: (snapshot: InspectSnapshot) => void | Promise<void>,
): Promise<number> {
  let snapshots = 0
  while (!signal.aborted) {
    const startedMs = Date.now()
    await onSnapshot(await inspectOnce(driver, names, options))
    snapshots++
    await sleepUnlessAborted(Math.max(0, intervalMs - (Date.now() - startedMs)), signal)
  }
  return snapshots
}

function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve()
    const timer = setTimeout(done, ms)
    function done() {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    signal.addEventListener('abort', done, {once: true})
  })
}
