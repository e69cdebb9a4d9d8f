// Where a local store lives on disk, and making a place for it. `file:PATH` keeps the path as
// written (relative paths are relative to the working directory, `~` is the home directory); an
// empty path means the default store in the user's data directory (XDG base-directory convention).
//
// The store holds message bodies, so what mqkit creates is private to the user whatever the
// umask: folders 0700, the database file 0600 (SQLite gives the -wal and -shm files the database
// file's mode). Existing folders and files keep the mode they have.
import {accessSync, chmodSync, closeSync, constants, fchmodSync, mkdirSync, openSync, statSync, type Stats} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {getSystemErrorMap} from 'node:util'
import {StorePathError} from '../../errors.js'

/** @default 0o700 — folders mqkit creates for a store. */
export const STORE_FOLDER_MODE = 0o700
/** @default 0o600 — a store file mqkit creates (its -wal and -shm files inherit it). */
export const STORE_FILE_MODE = 0o600

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

/**
 * Make sure `storePath` (absolute) can be opened as a store: its missing folders are created
 * (0700), and the file itself (0600) if it does not exist. Throws StorePathError naming the path
 * and the reason when it cannot be.
 */
export function prepareStorePath(storePath: string): void {
  createFolders(storePath, path.dirname(storePath))
  createStoreFile(storePath)
}

/**
 * Create `folder` and its missing ancestors one at a time. Not `mkdirSync({recursive: true})`:
 * on Node 20 that retries forever, synchronously, when a parent exists but refuses the child
 * with ENOENT (`/proc/nope`), which pins a core and leaves no turn for a SIGTERM handler. Here
 * each missing folder gets one attempt, so this ends after at most one mkdir per path component.
 */
function createFolders(storePath: string, folder: string): void {
  const missing: string[] = []
  let current = folder
  for (;;) {
    const stats = statOrUndefined(storePath, current)
    if (stats !== undefined) {
      if (!stats.isDirectory()) throw new StorePathError(storePath, `${current} is not a folder`)
      break
    }
    missing.push(current)
    const parent = path.dirname(current)
    if (parent === current) break // the root itself is missing: mkdir says why below
    current = parent
  }
  for (const created of missing.reverse()) {
    try {
      mkdirSync(created, {mode: STORE_FOLDER_MODE})
      chmodSync(created, STORE_FOLDER_MODE) // mkdir's mode is filtered by the umask
    } catch (error) {
      // Another process sharing the store made it a moment ago: theirs is as good as ours.
      if (errnoCode(error) === 'EEXIST' && statOrUndefined(storePath, created)?.isDirectory()) continue
      throw new StorePathError(storePath, `cannot create the folder ${created} (${describeErrno(error)})`, {cause: error})
    }
  }
}

/** Create the store file empty (SQLite takes an empty file as an empty database) with its mode. */
function createStoreFile(storePath: string): void {
  let fd: number
  try {
    fd = openSync(storePath, constants.O_RDWR | constants.O_CREAT | constants.O_EXCL, STORE_FILE_MODE)
  } catch (error) {
    if (errnoCode(error) !== 'EEXIST') throw new StorePathError(storePath, `cannot create the file (${describeErrno(error)})`, {cause: error})
    const stats = statOrUndefined(storePath, storePath)
    if (stats?.isDirectory()) throw new StorePathError(storePath, `it is a folder; name a file in it, e.g. file:${path.join(storePath, 'queues.db')}`)
    if (stats !== undefined && !stats.isFile()) throw new StorePathError(storePath, 'it is not a regular file')
    try {
      accessSync(storePath, constants.R_OK | constants.W_OK)
    } catch (accessError) {
      throw new StorePathError(storePath, `no permission to read and write it (${describeErrno(accessError)})`, {cause: accessError})
    }
    return // an existing store (or one another process just created): opened as it is
  }
  try {
    fchmodSync(fd, STORE_FILE_MODE) // open's mode is filtered by the umask
  } finally {
    closeSync(fd)
  }
}

/** The entry's stats, undefined when it does not exist; any other failure is a StorePathError. */
function statOrUndefined(storePath: string, entry: string): Stats | undefined {
  try {
    return statSync(entry)
  } catch (error) {
    const code = errnoCode(error)
    // ENOTDIR: an ancestor is a file; walking up finds it and says so.
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined
    throw new StorePathError(storePath, `cannot look at ${entry} (${describeErrno(error)})`, {cause: error})
  }
}

function errnoCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException).code
}

/** "permission denied, EACCES": the system's words for an errno, then its name. */
function describeErrno(error: unknown): string {
  const {code, errno, message} = error as NodeJS.ErrnoException
  const words = errno === undefined ? undefined : getSystemErrorMap().get(errno)?.[1]
  if (words !== undefined && code !== undefined) return `${words}, ${code}`
  return code ?? String(message ?? error)
}

function expandHome(written: string): string {
  if (written === '~') return os.homedir()
  if (written.startsWith('~/')) return path.join(os.homedir(), written.slice(2))
  return written
}
