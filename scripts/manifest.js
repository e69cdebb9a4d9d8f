// node scripts/manifest.js — writes oclif.manifest.json from the compiled commands in dist/, as
// `oclif manifest` does (the `oclif` package itself needs Node ≥ 22 and brings the AWS SDK), with
// @oclif/core's own loader. Run by `npm run build` after tsc, so the manifest always matches
// dist/commands; it is gitignored. With a manifest, `mqkit --help`/`--version` read one JSON file
// instead of importing every command to list them.
//
// `--remove` only removes it: the build does that before tsc, so a failed compile cannot leave
// a manifest from before. If a command cannot be loaded, the manifest is removed too: without
// one, oclif finds the commands itself (slower, never wrong), and running the command shows the error.
import {renameSync, rmSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {Plugin} from '@oclif/core'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const target = path.join(root, 'oclif.manifest.json')

if (process.argv.includes('--remove')) {
  rmSync(target, {force: true})
  process.exit(0)
}

try {
  const plugin = new Plugin({root, type: 'core', ignoreManifest: true, errorOnManifestCreate: true, respectNoCacheDefault: true})
  await plugin.load()
  // Written aside, then renamed: a CLI starting meanwhile reads the old file or the new one, never half of one.
  const written = `${target}.${process.pid}.tmp`
  writeFileSync(written, `${JSON.stringify(plugin.manifest, null, 2)}\n`)
  renameSync(written, target)
  process.stderr.write(`oclif.manifest.json: ${Object.keys(plugin.manifest.commands).sort().join(', ')}\n`)
} catch (error) {
  rmSync(target, {force: true})
  process.stderr.write(`oclif.manifest.json not written (commands are then found at start-up): ${error instanceof Error ? error.message : error}\n`)
}
