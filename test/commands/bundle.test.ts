// `npm run build` bundles oclif with the commands (scripts/bundle.js) so that mqkit starts faster
// (issue 16). The bundle must change nothing a user sees: every help text is the one the
// @oclif/core package renders, and a command loads oclif once, from the bundle, and no client
// library its URL does not need.
import {execFile} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import os from 'node:os'
import path from 'node:path'
import {pathToFileURL} from 'node:url'
import {afterAll, describe, expect, it} from 'vitest'
import {BIN, ROOT, runCli} from '../helpers/cli.js'

const esbuildInstalled = (() => {
  try {
    createRequire(path.join(ROOT, 'package.json')).resolve('esbuild')
    return true
  } catch {
    return false
  }
})()
const bundled = readFileSync(path.join(ROOT, 'dist', 'oclif.js'), 'utf8').startsWith('// bundled by scripts/bundle.js')

const manifest = JSON.parse(readFileSync(path.join(ROOT, 'oclif.manifest.json'), 'utf8')) as {commands: Record<string, unknown>}
const pjson = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {oclif: {topics: Record<string, unknown>}}
/** The root help, every command's and every topic's, as a user types them. */
const helpArgs = [[], ...[...Object.keys(manifest.commands), ...Object.keys(pjson.oclif.topics)].sort().map((id) => id.split(':'))].map((words) => [
  ...words,
  '--help',
])

const folder = mkdtempSync(path.join(os.tmpdir(), 'mqkit-bundle-'))
afterAll(() => rmSync(folder, {recursive: true, force: true}))

/** Runs `node ARGS` in ROOT with the test environment runCli uses; resolves with stdout. */
function node(args: string[], env: Record<string, string>): Promise<{code: number; stdout: string; stderr: string}> {
  const childEnv: NodeJS.ProcessEnv = {...process.env, NO_COLOR: '1', XDG_CONFIG_HOME: path.join(folder, 'config'), ...env}
  delete childEnv.MQKIT_URL
  delete childEnv.MQKIT_CONTEXT
  return new Promise((resolve) => {
    execFile(process.execPath, args, {cwd: ROOT, env: childEnv}, (error, stdout, stderr) =>
      resolve({code: error === null ? 0 : Number(error.code ?? 1), stdout, stderr}),
    )
  })
}

/** What @oclif/core from node_modules prints for ARGS: the runner bin/run.js used before the bundle. */
const reference = `const {execute} = await import('@oclif/core'); await execute({dir: ${JSON.stringify(pathToFileURL(BIN).href)}, args: JSON.parse(process.env.HELP_ARGS)})`

describe('the bundled build', () => {
  it.skipIf(!esbuildInstalled)('is what npm run build leaves when esbuild is installed', () => {
    expect(bundled, 'dist/oclif.js is not a bundle: run `npm run build`').toBe(true)
  })

  it.each([80, 120])('prints every --help exactly as @oclif/core does, %i columns', {timeout: 120_000}, async (columns) => {
    const env = {OCLIF_COLUMNS: String(columns), COLUMNS: String(columns)}
    for (const args of helpArgs) {
      const [mine, theirs] = await Promise.all([
        node([BIN, ...args], env),
        node(['--input-type=module', '-e', reference], {...env, HELP_ARGS: JSON.stringify(args)}),
      ])
      expect(theirs.code, theirs.stderr).toBe(0)
      expect(mine.stderr, args.join(' ')).toBe(theirs.stderr)
      expect(mine.stdout, args.join(' ')).toBe(theirs.stdout)
      expect(mine.code).toBe(0)
    }
  })

  it.skipIf(!bundled)('inspect on a local store loads oclif only from the bundle and no broker client', async () => {
    const loaded = path.join(folder, 'loaded.txt')
    const hook = path.join(folder, 'list-modules.cjs')
    writeFileSync(hook, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(loaded)}, Object.keys(require.cache).join('\\n')))\n`)
    const store = `file:${path.join(folder, 's.db')}`
    expect((await runCli(['declare', 'orders', '--url', store])).code).toBe(0)
    const {code, stdout, stderr} = await node(['--require', hook, BIN, 'inspect', '--url', store], {})
    expect(code, stderr).toBe(0)
    expect(stdout).toContain('orders')
    const modules = readFileSync(loaded, 'utf8').split('\n')
    expect(modules.some((file) => file.includes(`${path.sep}better-sqlite3${path.sep}`))).toBe(true)
    expect(modules.filter((file) => /[\\/]node_modules[\\/](@oclif[\\/]core|amqplib|kafkajs|@platformatic)[\\/]/.test(file))).toEqual([])
  })
})
