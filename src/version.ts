// What `mqkit --version` (also `mqkit version`, `mqkit -v`) prints: oclif's user agent line, which
// scripts may read, then the client library behind each backend with its installed version.
import {clientVersions} from './drivers/package-version.js'

export function versionText(userAgent: string): string {
  const clients = Object.entries(clientVersions())
    .map(([name, version]) => `${name} ${version}`)
    .join(', ')
  return `${userAgent}\nclient libraries: ${clients}\n`
}
