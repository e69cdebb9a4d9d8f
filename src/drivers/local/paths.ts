// Where a local store lives on disk. `file:PATH` keeps the path as written (relative paths are
// relative to the working directory, `~` is the home directory); an empty path means the
// default store in the user's data directory (XDG base-directory convention).
import {mkdirSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {ConnectionError} from '../../errors.js'

/**
 * The store used when no path is given: `$MQKIT_STORE` if set, else
 * `${XDG_DATA_HOME:-~/.local/share}/mqkit/queues.db`.
 */
export function defaultStorePath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MQKIT_STORE) return resolveStorePath(env.MQKIT_STORE)
  const dataHome = env.XDG_DATA_HOME ? expandHome(env.XDG_DATA_HOME) : path.join(os.homedir(), '.local', 'share')
  return path.join(path.resolve(dataHome), 'mqkit', 'queues.db')
}

/** The absolute store path for `file:PATH` as written (empty → the default store). */
export function resolveStorePath(written: string): string {
  if (written.trim() === '') return defaultStorePath()
  return path.resolve(expandHome(written))
}

/** Create the folders the store file goes in. */
export function ensureParentFolder(storePath: string): void {
  const folder = path.dirname(storePath)
  try {
    mkdirSync(folder, {recursive: true})
  } catch (error) {
    throw new ConnectionError(`cannot create the folder for the local store "${storePath}": ${(error as Error).message}`, {
      cause: error,
      retriable: false,
    })
  }
}

function expandHome(written: string): string {
  if (written === '~') return os.homedir()
  if (written.startsWith('~/')) return path.join(os.homedir(), written.slice(2))
  return written
}
