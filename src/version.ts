// What `mqkit --version` (also `mqkit version`, `mqkit -v`) prints: oclif's user agent line, which
// scripts may read, then the client library behind each backend with its installed version.
// bin/run.js prints it without loading oclif (start-up time), so userAgent() makes the
// line as oclif's Config does; a test holds the two equal.
import {createRequire} from 'node:module'
import os from 'node:os'
import {clientVersions} from './drivers/package-version.js'

export function versionText(userAgent: string): string {
  const clients = Object.entries(clientVersions())
    .map(([name, version]) => `${name} ${version}`)
    .join(', ')
  return `${userAgent}\nclient libraries: ${clients}\n`
}

/** oclif's Config.userAgent for this package: `mqkit/0.1.0 linux-x64 node-v20.20.2`. */
export function userAgent(pjson: {name: string; version: string}): string {
  const arch = os.arch() === 'ia32' ? 'x86' : os.arch()
  return `${pjson.name}/${pjson.version} ${isWsl() ? 'wsl' : os.platform()}-${arch} node-${process.version}`
}

/** oclif names the platform "wsl" where its dependency is-wsl says so: ask the same package. */
function isWsl(): boolean {
  if (process.platform !== 'linux') return false
  try {
    return createRequire(import.meta.resolve('@oclif/core/package.json'))('is-wsl') === true
  } catch {
    return false
  }
}
