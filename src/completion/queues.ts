// The queue names the completion scripts offer, only where listing them is cheap: the local store
// the terminal verbs use without --url (the URL of MQKIT_URL or of the context in use when it is a
// file: URL, else the default store), and only when its file exists. Never creates a store, never connects to a broker, never
// fails: a completion offers nothing rather than print an error into the user's line.
import {existsSync} from 'node:fs'
import {withDriver} from '../drivers/index.js'
import {defaultStorePath, resolveStorePath} from '../drivers/local/paths.js'
import {selectUrl} from '../config/contexts.js'
import {parseUrl, type ParsedUrl} from '../url.js'

/** @default 1000 ms — a TAB press waits no longer than this (e.g. for another process's write lock). */
export const QUEUE_LISTING_TIMEOUT_MS = 1000

export async function localQueueNames(env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  const store = storeToList(env)
  if (store === undefined || !existsSync(store.storePath)) return []
  try {
    const context = {clientName: 'mqkit completion', connectTimeoutMs: QUEUE_LISTING_TIMEOUT_MS, signal: AbortSignal.timeout(QUEUE_LISTING_TIMEOUT_MS)}
    const {queues} = await withDriver(store.url, context, (driver) => driver.inspect([]))
    return queues.map((queue) => queue.name).sort()
  } catch {
    return []
  }
}

function storeToList(env: NodeJS.ProcessEnv): {url: string | ParsedUrl; storePath: string} | undefined {
  try {
    const selected = selectUrl({}, env)
    if (selected === undefined) {
      const storePath = defaultStorePath(env)
      return {url: `file:${storePath}`, storePath}
    }
    const url = parseUrl(selected.url)
    return url.scheme === 'file' ? {url, storePath: resolveStorePath(url.path)} : undefined
  } catch {
    return undefined
  }
}
