// Opening a store file: pragmas, tables, indexes and the prepared statements every other module
// uses. One SQLite database (better-sqlite3, synchronous) shared by every process on the store.
//
// Durability: WAL journal with synchronous=NORMAL. A commit is written to the WAL before
// publish() resolves, so a crash of any *process* (SIGKILL included) loses nothing that was
// confirmed; an OS crash or power loss may roll back the last few commits (the WAL is fsynced at
// checkpoints, not at every commit), never corrupting the file. `?sync=full` fsyncs every commit
// for power-loss durability. Publishes are committed in batches, so FULL's fsync is paid per
// batch, not per message: with a confirm window it costs little; one publish at a time it costs
// most (figures: docs/performance.md).
import Database from 'better-sqlite3'
import {ConnectionError, MqkitError, StorePathError} from '../../errors.js'
import {prepareStorePath} from './paths.js'

type Db = Database.Database

/** Bumped when the tables change incompatibly; a store with another version is refused. */
const SCHEMA_VERSION = 1

/** @default 5000 ms — how long a statement waits for another process's write lock. */
export const BUSY_TIMEOUT_MS = 5000

/** @default 64 MiB — the WAL file is truncated to this after a checkpoint. */
const WAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024

export type SyncMode = 'normal' | 'full'

const TABLES = `
CREATE TABLE IF NOT EXISTS queues (
  name TEXT PRIMARY KEY,
  spec TEXT NOT NULL,
  created_ms INTEGER NOT NULL
);
-- lease_until_ms = 0: ready. > 0: leased to lease_owner until then (an expired lease is reclaimed).
-- AUTOINCREMENT: ids are never reused, so ORDER BY id is publish order and a stale ack can never
-- hit a newer message.
CREATE TABLE IF NOT EXISTS messages (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  queue TEXT NOT NULL,
  priority INTEGER NOT NULL DEFAULT 0,
  body BLOB NOT NULL,
  msg_key TEXT,
  headers TEXT,
  props TEXT,
  enqueued_ms INTEGER NOT NULL,
  expires_ms INTEGER,
  delivery_count INTEGER NOT NULL DEFAULT 0,
  lease_owner TEXT,
  lease_until_ms INTEGER NOT NULL DEFAULT 0
);
-- Partial indexes: a claim reads only ready rows in delivery order; reclaiming and heartbeats
-- read only leased rows; expiry reads only rows that can expire.
CREATE INDEX IF NOT EXISTS messages_ready ON messages(queue, priority DESC, id) WHERE lease_until_ms = 0;
CREATE INDEX IF NOT EXISTS messages_leased ON messages(lease_until_ms) WHERE lease_until_ms > 0;
CREATE INDEX IF NOT EXISTS messages_expiry ON messages(expires_ms) WHERE expires_ms IS NOT NULL;
-- One row per live subscription, kept fresh by its connection's heartbeat, for inspect's count.
CREATE TABLE IF NOT EXISTS consumers (
  id TEXT PRIMARY KEY,
  queue TEXT NOT NULL,
  owner TEXT NOT NULL,
  pid INTEGER NOT NULL,
  expires_ms INTEGER NOT NULL
);
`

export function openDatabase(storePath: string, sync: SyncMode): Db {
  prepareStorePath(storePath)
  let db: Db
  try {
    db = new Database(storePath, {timeout: BUSY_TIMEOUT_MS})
  } catch (error) {
    if (isMissingNativeModule(error)) throw nativeModuleError(error)
    throw openError(storePath, error)
  }
  try {
    db.pragma('journal_mode = WAL')
    db.pragma(`synchronous = ${sync === 'full' ? 'FULL' : 'NORMAL'}`)
    // After a burst the WAL is checkpointed into the database; without a limit the WAL file keeps
    // its peak size forever.
    db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`)
    const version = db.pragma('user_version', {simple: true}) as number
    if (version !== 0 && version !== SCHEMA_VERSION) {
      throw new ConnectionError(`the local store "${storePath}" has schema version ${version}; this mqkit reads version ${SCHEMA_VERSION}`, {
        retriable: false,
      })
    }
    // A store with the tables opens without the write lock, so opening never waits for another
    // process's write. IMMEDIATE: two processes opening a fresh store at once must not both create
    // the tables.
    if (version !== SCHEMA_VERSION) {
      db.transaction(() => {
        db.exec(TABLES)
        db.pragma(`user_version = ${SCHEMA_VERSION}`)
      }).immediate()
    }
  } catch (error) {
    db.close()
    if (error instanceof MqkitError) throw error
    throw openError(storePath, error)
  }
  return db
}

/**
 * What SQLite said on opening, as ours: a path SQLite cannot use is a StorePathError (exit 2,
 * naming the reason); a lock held past the busy timeout is a retriable ConnectionError; anything
 * else (I/O error, disk full, corruption) a ConnectionError.
 */
function openError(storePath: string, error: unknown): MqkitError {
  const code = (error as {code?: unknown}).code
  const said = `${(error as Error).message ?? String(error)}, ${String(code)}`
  if (typeof code === 'string') {
    if (code.startsWith('SQLITE_CANTOPEN')) {
      return new StorePathError(storePath, `SQLite cannot open it (${said}); the file must be readable and writable, and its folder writable`, {cause: error})
    }
    if (code.startsWith('SQLITE_READONLY')) {
      return new StorePathError(storePath, `SQLite cannot write it (${said}); its folder must be writable too, for the -wal and -shm files`, {cause: error})
    }
    if (code === 'SQLITE_NOTADB') return new StorePathError(storePath, `it is not a SQLite database (${said})`, {cause: error})
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
      return new ConnectionError(`the local store "${storePath}" stayed locked by another process for over ${BUSY_TIMEOUT_MS} ms`, {cause: error})
    }
  }
  return new ConnectionError(`cannot use "${storePath}" as a local store: ${said}`, {cause: error, retriable: false})
}

/**
 * better-sqlite3 loads its compiled part on the first open: missing (not built, e.g. installed
 * with --ignore-scripts) or built for another Node.js. Nothing about the store or a connection:
 * the installation needs a rebuild, which the message says how to do.
 */
function isMissingNativeModule(error: unknown): boolean {
  const {code, message} = error as {code?: unknown; message?: unknown}
  if (code === 'ERR_DLOPEN_FAILED') return true
  return typeof message === 'string' && /Could not locate the bindings file|NODE_MODULE_VERSION|better_sqlite3\.node/.test(message)
}

function nativeModuleError(error: unknown): MqkitError {
  const message = String((error as Error).message)
  const versions = /NODE_MODULE_VERSION (\d+)[\s\S]*NODE_MODULE_VERSION (\d+)/.exec(message)
  const reason = /Could not locate the bindings file/.test(message)
    ? 'its bindings file is missing'
    : versions
      ? `it was built for NODE_MODULE_VERSION ${versions[1]}, this Node.js needs ${versions[2]}`
      : message.split('\n')[0].trim()
  return new MqkitError(
    `the local store (file:) needs better-sqlite3's native module, which is not built for this Node.js ${process.version} (${reason}): run "npm rebuild better-sqlite3" in mqkit's folder`,
    {cause: error},
  )
}

/** A message row as selected (`SELECT *` / `RETURNING *`). */
export interface MessageRow {
  id: number
  queue: string
  priority: number
  body: Buffer
  msg_key: string | null
  headers: string | null
  props: string | null
  enqueued_ms: number
  expires_ms: number | null
  delivery_count: number
  lease_owner: string | null
  lease_until_ms: number
}

export function prepareStatements(db: Db) {
  return {
    queueSpec: db.prepare<[string], {spec: string}>('SELECT spec FROM queues WHERE name = ?'),
    queueNames: db.prepare<[], {name: string; spec: string}>('SELECT name, spec FROM queues ORDER BY name'),
    insertQueue: db.prepare('INSERT INTO queues (name, spec, created_ms) VALUES (?, ?, ?)'),
    deleteQueue: db.prepare('DELETE FROM queues WHERE name = ?'),
    deleteQueueMessages: db.prepare('DELETE FROM messages WHERE queue = ?'),
    deleteQueueConsumers: db.prepare('DELETE FROM consumers WHERE queue = ?'),
    insertMessage: db.prepare('INSERT INTO messages (queue, priority, body, msg_key, headers, props, enqueued_ms, expires_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
    readyCount: db.prepare<[string], {n: number}>('SELECT COUNT(*) AS n FROM messages WHERE queue = ? AND lease_until_ms = 0'),
    inFlightCount: db.prepare<[string], {n: number}>('SELECT COUNT(*) AS n FROM messages WHERE lease_until_ms > 0 AND queue = ?'),
    consumerCount: db.prepare<[string, number], {n: number}>('SELECT COUNT(*) AS n FROM consumers WHERE queue = ? AND expires_ms > ?'),
    head: db.prepare<[string, number], MessageRow>('SELECT * FROM messages WHERE queue = ? AND lease_until_ms = 0 ORDER BY priority DESC, id LIMIT ?'),
    // Expired ready rows, of one queue or of all: expiry applies while a message waits, not in flight.
    expiredIn: db.prepare<[number, string], MessageRow>(
      // INDEXED BY: left to itself the planner prefers messages_ready (queue=?) and scans every ready row.
      'SELECT * FROM messages INDEXED BY messages_expiry WHERE expires_ms IS NOT NULL AND expires_ms <= ? AND lease_until_ms = 0 AND queue = ?',
    ),
    expiredAll: db.prepare<[number], MessageRow>('SELECT * FROM messages WHERE expires_ms IS NOT NULL AND expires_ms <= ? AND lease_until_ms = 0'),
    // Read-only look for the periodic sweep: anything expired, reclaimable or stale?
    sweepNeeded: db.prepare<[number, number, number], {needed: number}>(
      `SELECT EXISTS(SELECT 1 FROM messages WHERE expires_ms IS NOT NULL AND expires_ms <= ? AND lease_until_ms = 0)
           OR EXISTS(SELECT 1 FROM messages WHERE lease_until_ms > 0 AND lease_until_ms <= ?)
           OR EXISTS(SELECT 1 FROM consumers WHERE expires_ms <= ?) AS needed`,
    ),
    deleteMessage: db.prepare('DELETE FROM messages WHERE id = ?'),
    purge: db.prepare('DELETE FROM messages WHERE queue = ? AND lease_until_ms = 0'),
    // Cheap read-only look before taking the write lock: anything to claim, and does the queue exist?
    peek: db.prepare<[string, string, number], {present: number; ready: number; reclaimable: number}>(
      `SELECT EXISTS(SELECT 1 FROM queues WHERE name = ?) AS present,
              EXISTS(SELECT 1 FROM messages WHERE queue = ? AND lease_until_ms = 0) AS ready,
              EXISTS(SELECT 1 FROM messages WHERE lease_until_ms > 0 AND lease_until_ms <= ?) AS reclaimable`,
    ),
    // RETURNING order is unspecified: the caller sorts by (priority DESC, id).
    claim: db.prepare<[string, number, string, number], MessageRow>(
      `UPDATE messages SET lease_owner = ?, lease_until_ms = ?, delivery_count = delivery_count + 1
       WHERE id IN (SELECT id FROM messages WHERE queue = ? AND lease_until_ms = 0 ORDER BY priority DESC, id LIMIT ?)
       RETURNING *`,
    ),
    claimAutoAck: db.prepare<[string, number], MessageRow>(
      `DELETE FROM messages
       WHERE id IN (SELECT id FROM messages WHERE queue = ? AND lease_until_ms = 0 ORDER BY priority DESC, id LIMIT ?)
       RETURNING *`,
    ),
    reclaim: db.prepare<[number]>('UPDATE messages SET lease_owner = NULL, lease_until_ms = 0 WHERE lease_until_ms > 0 AND lease_until_ms <= ?'),
    extendLeases: db.prepare<[number, string]>('UPDATE messages SET lease_until_ms = ? WHERE lease_until_ms > 0 AND lease_owner = ?'),
    releaseLeases: db.prepare<[string], {queue: string}>(
      'UPDATE messages SET lease_owner = NULL, lease_until_ms = 0 WHERE lease_until_ms > 0 AND lease_owner = ? RETURNING queue',
    ),
    ack: db.prepare<[number, string, number]>('DELETE FROM messages WHERE id = ? AND lease_owner = ? AND delivery_count = ?'),
    requeue: db.prepare<[number, string, number]>(
      'UPDATE messages SET lease_owner = NULL, lease_until_ms = 0 WHERE id = ? AND lease_owner = ? AND delivery_count = ?',
    ),
    unclaim: db.prepare<[number, string, number]>(
      'UPDATE messages SET lease_owner = NULL, lease_until_ms = 0, delivery_count = delivery_count - 1 WHERE id = ? AND lease_owner = ? AND delivery_count = ?',
    ),
    leased: db.prepare<[number, string, number], MessageRow>('SELECT * FROM messages WHERE id = ? AND lease_owner = ? AND delivery_count = ?'),
    upsertConsumer: db.prepare('INSERT OR REPLACE INTO consumers (id, queue, owner, pid, expires_ms) VALUES (?, ?, ?, ?, ?)'),
    deleteConsumer: db.prepare('DELETE FROM consumers WHERE id = ?'),
    deleteOwnerConsumers: db.prepare('DELETE FROM consumers WHERE owner = ?'),
    refreshConsumers: db.prepare<[number, string]>('UPDATE consumers SET expires_ms = ? WHERE owner = ?'),
    pruneConsumers: db.prepare<[number]>('DELETE FROM consumers WHERE expires_ms <= ?'),
  }
}

export type Statements = ReturnType<typeof prepareStatements>
