// The published package: what `npm pack` would put in the tarball (scripts skipped, so the tree's
// dist/ is listed as the last build left it; `npm pack` itself cleans and rebuilds first), and an
// oclif manifest that lists exactly the compiled commands (a stale one would hide a new command).
// A full pack + install in an empty folder is too slow for the suite: see README "Install".
import {execFileSync} from 'node:child_process'
import {existsSync, readdirSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {ROOT} from './helpers/cli.js'

interface PackEntry {
  files: Array<{path: string}>
}

describe('the npm package', () => {
  it('holds the CLI entry, the compiled code and the manifest, and nothing of the sources or tests', () => {
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
    const json = execFileSync(npm, ['pack', '--dry-run', '--json', '--ignore-scripts'], {cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore']})
    const files = (JSON.parse(json) as PackEntry[])[0].files.map((file) => file.path)
    for (const needed of [
      'package.json',
      'README.md',
      'bin/run.js',
      'oclif.manifest.json',
      'dist/commands/bench.js',
      'dist/drivers/local/index.js',
      'dist/hooks/command-not-found.js',
    ]) {
      expect(files).toContain(needed)
    }
    const unwanted = files.filter((file) => /^(src|test|scripts|bench|kafka|docs)\//.test(file) || /\.(ts|map)$/.test(file) || file === 'bin/dev.js')
    expect(unwanted).toEqual([])
  })

  it('package.json points only at files the package has', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {main?: string; bin: Record<string, string>; oclif: {commands: string}}
    if (pkg.main !== undefined) expect(existsSync(path.join(ROOT, pkg.main)), `main: ${pkg.main}`).toBe(true)
    for (const bin of Object.values(pkg.bin)) expect(existsSync(path.join(ROOT, bin)), `bin: ${bin}`).toBe(true)
    expect(existsSync(path.join(ROOT, pkg.oclif.commands))).toBe(true)
  })

  it('oclif.manifest.json lists exactly the commands in dist/commands (npm run build writes it)', () => {
    const manifestPath = path.join(ROOT, 'oclif.manifest.json')
    expect(existsSync(manifestPath), 'no oclif.manifest.json: run `npm run build` (it says why when a command cannot be loaded)').toBe(true)
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {commands: Record<string, unknown>; version: string}
    // A command in a folder is a sub-command: dist/commands/report/merge.js is `report:merge`.
    const compiled = readdirSync(path.join(ROOT, 'dist', 'commands'), {recursive: true, encoding: 'utf8'})
      .filter((file) => file.endsWith('.js'))
      .map((file) => file.slice(0, -'.js'.length).split(path.sep).join(':'))
    expect(Object.keys(manifest.commands).sort()).toEqual(compiled.sort())
    expect(manifest.version).toBe((JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {version: string}).version)
  })
})
