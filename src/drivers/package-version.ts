// A client library's version for result metadata (serverInfo's client.version). Read from the
// package.json next to the library's resolved entry point: the packages' `exports` maps do not
// expose package.json to an import.
import {readFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import path from 'node:path'

const versions = new Map<string, string>()

/** The installed version of `name` ('unknown' when it cannot be read). */
export function packageVersion(name: string): string {
  let version = versions.get(name)
  if (version !== undefined) return version
  try {
    const entry = createRequire(import.meta.url).resolve(name)
    const manifest = JSON.parse(readFileSync(path.join(path.dirname(entry), 'package.json'), 'utf8')) as {version?: unknown}
    version = typeof manifest.version === 'string' ? manifest.version : 'unknown'
  } catch {
    version = 'unknown'
  }
  versions.set(name, version)
  return version
}
