// A client library's version for result metadata (serverInfo's client.version, meta.clients) and
// `mqkit --version`. Read from the library's package.json, found from its resolved entry point:
// the packages' `exports` maps do not expose package.json to an import.
import {readFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

const versions = new Map<string, string>()

/** The installed version of `name` ('unknown' when it cannot be read). */
export function packageVersion(name: string): string {
  let version = versions.get(name)
  if (version !== undefined) return version
  try {
    version = manifestVersion(name, path.dirname(entryPoint(name)))
  } catch {
    version = 'unknown'
  }
  versions.set(name, version)
  return version
}

/** The file a package's name resolves to: through require where it has a CommonJS entry, else as an ES module. */
function entryPoint(name: string): string {
  try {
    return createRequire(import.meta.url).resolve(name)
  } catch {
    return fileURLToPath(import.meta.resolve(name))
  }
}

/**
 * The version in the package's own package.json: the nearest one above its entry point that
 * names it (better-sqlite3's entry is lib/index.js, one folder down).
 */
function manifestVersion(name: string, from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    try {
      const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as {name?: unknown; version?: unknown}
      if (manifest.name === name) return typeof manifest.version === 'string' ? manifest.version : 'unknown'
    } catch {
      // no package.json here: look further up
    }
    if (path.dirname(dir) === dir || path.basename(dir) === 'node_modules') return 'unknown'
  }
}

/** The client libraries behind the backends, as `mqkit --version` and bench results name them. */
export const CLIENT_LIBRARIES = ['amqplib', 'kafkajs', '@platformatic/kafka', 'better-sqlite3'] as const

/** Each client library's installed version: {amqplib: '0.10.4', …} ('unknown' when unreadable). */
export function clientVersions(): Record<string, string> {
  return Object.fromEntries(CLIENT_LIBRARIES.map((name) => [name, packageVersion(name)]))
}
