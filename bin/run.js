#!/usr/bin/env node
// Production entry: runs the compiled commands in dist/ (built by `npm run build`, which `npm ci` runs via `prepare`).
// Start-up time is part of a CLI's feel (issue 16; `npm run perf:startup` measures it): importing
// @oclif/core is most of it, so what needs no oclif is answered before it is imported, and oclif
// comes from dist/oclif.js, which the build bundles with the commands (scripts/bundle.js).
import {readFileSync} from 'node:fs'
import module from 'node:module'

// Node ≥ 22.1 can keep the compiled code of mqkit and its dependencies between runs (in the
// system's temporary folder; NODE_DISABLE_COMPILE_CACHE=1 turns it off). Absent on Node 20.
module.enableCompileCache?.()

const args = process.argv.slice(2)
// A lone --version, `version`, -v or -V (src/hooks/command-not-found.ts answers them the same way
// inside oclif): the user agent line and the client libraries, without loading oclif.
if (args.length === 1 && ['--version', 'version', '-v', '-V'].includes(args[0])) {
  const {userAgent, versionText} = await import('../dist/version.js')
  const pjson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  process.stdout.write(versionText(userAgent(pjson)))
} else {
  // oclif checks, as it is imported, that this Node satisfies its own engines range, which loads
  // all of semver; npm checks mqkit's own range at install. Skipped for this import only.
  const engineCheckWasSet = 'OCLIF_DISABLE_ENGINE_WARNING' in process.env
  if (!engineCheckWasSet) process.env.OCLIF_DISABLE_ENGINE_WARNING = '1'
  const {execute} = await import('../dist/oclif.js')
  if (!engineCheckWasSet) delete process.env.OCLIF_DISABLE_ENGINE_WARNING
  await execute({dir: import.meta.url, args})
}
