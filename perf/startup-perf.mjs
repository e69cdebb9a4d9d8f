#!/usr/bin/env node
// npm run perf:startup — prints, never asserts. Needs `npm run build`.
// How long mqkit takes to start and finish, as a user's shell sees it (process spawn to exit), for
// the commands issue 16 names, against a bare `node -e 0` in the same run (the floor no CLI on
// this Node can go below): `mqkit --version`, `mqkit --help`, and `mqkit inspect` on a local store
// holding one queue. Rounds alternate the contenders, rotating their order, after one unmeasured
// warm-up each (page cache); figures are medians with their min–max. Target (issue 16): < 150 ms
// of wall-clock time. Beside it, each process's own CPU time (user + system, read at its exit by a
// preloaded hook): on a machine busy with other work, wall-clock time grows with the load, CPU
// time much less, so it tells what mqkit itself costs.
//
// NODE_EXTRA_CA_CERTS makes every Node process read and parse that bundle at start-up, which is
// no part of mqkit: it is removed from the measured processes unless PERF_KEEP_EXTRA_CA=1, and
// when set, the floor is also measured with it, to show its cost.
// Usage: node perf/startup-perf.mjs [rounds=15]
// Env: PERF_BIN (another build's bin/run.js instead of this one's), PERF_BASELINE_BIN (a second
//      build measured in the same rounds, e.g. a copy made before a change: its commands appear
//      again marked "baseline"), PERF_INSPECT_URL (what inspect reads instead of the local store,
//      e.g. memory:// on a Node that better-sqlite3 is not built for), PERF_KEEP_EXTRA_CA=1.
// The contenders run on the Node that runs this script (process.execPath).
import {spawnSync} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'
import {intArg, loadAverage, median} from './perf-common.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))
const BIN = path.resolve(process.env.PERF_BIN ?? path.join(here, '..', 'bin', 'run.js'))
const BASELINE_BIN = process.env.PERF_BASELINE_BIN ? path.resolve(process.env.PERF_BASELINE_BIN) : undefined
const ROUNDS = intArg(2, 15)
/** @default 150 ms — issue 16's target for --version, --help and inspect on a local store. */
const TARGET_MS = 150

const folder = mkdtempSync(path.join(os.tmpdir(), 'mqkit-startup-'))
const store = process.env.PERF_INSPECT_URL ?? `file:${path.join(folder, 's.db')}`
const extraCa = process.env.NODE_EXTRA_CA_CERTS
const keepExtraCa = process.env.PERF_KEEP_EXTRA_CA === '1'
// No URL, context or colour from this shell; an empty config folder, so no current context applies.
const env = {...process.env, NO_COLOR: '1', XDG_CONFIG_HOME: path.join(folder, 'config'), MQKIT_STORE: path.join(folder, 'default.db')}
for (const name of ['MQKIT_URL', 'MQKIT_CONTEXT', ...(keepExtraCa ? [] : ['NODE_EXTRA_CA_CERTS'])]) delete env[name]

// Writes the process's CPU time (ms) to fd 3 as it exits; loaded into every contender alike.
const cpuHook = path.join(folder, 'cpu-hook.mjs')
writeFileSync(
  cpuHook,
  "import {writeSync} from 'node:fs'\nprocess.on('exit', () => { const {user, system} = process.cpuUsage(); writeSync(3, String((user + system) / 1000)) })\n",
)
const hook = ['--import', pathToFileURL(cpuHook).href]

/** [name, argv, env]; each is one process, timed from spawn to exit. */
const contenders = [
  ['node -e 0', [...hook, '-e', '0'], env],
  // What importing the oclif package alone costs (engine check off, as bin/run.js imports it).
  ['node: import @oclif/core', [...hook, '-e', "require('@oclif/core')"], {...env, OCLIF_DISABLE_ENGINE_WARNING: '1'}],
  // oclif as mqkit loads it, bundled by `npm run build` (scripts/bundle.js): the floor of every
  // command that goes through oclif (--help, inspect; --version does not).
  [
    'node: import dist/oclif.js',
    [...hook, '--input-type=module', '-e', `await import(${JSON.stringify(pathToFileURL(path.join(path.dirname(BIN), '..', 'dist', 'oclif.js')).href)})`],
    {...env, OCLIF_DISABLE_ENGINE_WARNING: '1'},
  ],
  ...(extraCa && !keepExtraCa ? [['node -e 0 (NODE_EXTRA_CA_CERTS)', [...hook, '-e', '0'], {...env, NODE_EXTRA_CA_CERTS: extraCa}]] : []),
  ...[BIN, BASELINE_BIN].filter(Boolean).flatMap((bin) => {
    const label = bin === BIN ? '' : ' (baseline)'
    return [
      [`mqkit --version${label}`, [...hook, bin, '--version'], env],
      [`mqkit --help${label}`, [...hook, bin, '--help'], env],
      [`mqkit inspect${label}`, [...hook, bin, 'inspect', '--url', store], env],
    ]
  }),
]
const isMqkit = (name) => name.startsWith('mqkit')

/** {wallMs, cpuMs} of one run. */
function timeOnce([name, args, childEnv]) {
  const start = process.hrtime.bigint()
  const result = spawnSync(process.execPath, args, {cwd: path.join(here, '..'), env: childEnv, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe', 'pipe']})
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6
  if (result.status !== 0) throw new Error(`${name} exited ${result.status}: ${result.stderr}`)
  return {wallMs, cpuMs: Number(result.output[3])}
}

const summary = (values) => `${median(values).toFixed(0).padStart(5)} (${Math.min(...values).toFixed(0)}–${Math.max(...values).toFixed(0)})`

try {
  const declared = spawnSync(process.execPath, [BIN, 'declare', 'orders', '--url', store], {env, encoding: 'utf8'})
  if (declared.status !== 0) throw new Error(`declare failed: ${declared.stderr}`)
  console.log(`mqkit start-up: ${BIN} on Node ${process.version}, ${ROUNDS} rounds; inspect on ${store} (one queue)`)
  if (BASELINE_BIN) console.log(`baseline: ${BASELINE_BIN}`)
  if (extraCa) console.log(`NODE_EXTRA_CA_CERTS is set: ${keepExtraCa ? 'kept' : 'removed'} for the measured processes (PERF_KEEP_EXTRA_CA=1 keeps it)`)
  for (const contender of contenders) timeOnce(contender) // warm-up: page cache, compile cache
  const runs = Object.fromEntries(contenders.map(([name]) => [name, []]))
  for (let round = 0; round < ROUNDS; round++) {
    const order = contenders.map((_, i) => contenders[(i + round) % contenders.length])
    for (const contender of order) runs[contender[0]].push(timeOnce(contender))
    const line = contenders.map(([name]) => `${name} ${runs[name][round].wallMs.toFixed(0)} (${runs[name][round].cpuMs.toFixed(0)})`).join(' | ')
    console.log(`round ${round + 1} (load ${await loadAverage()}): ${line}  ms (CPU ms)`)
  }
  const wall = (name) => runs[name].map((run) => run.wallMs)
  const cpu = (name) => runs[name].map((run) => run.cpuMs)
  const [floorWall, floorCpu] = [median(wall('node -e 0')), median(cpu('node -e 0'))]
  console.log(`\nmedian (min–max) ms, wall clock and CPU; target < ${TARGET_MS} ms wall clock; "over node" = median − node -e 0's median`)
  for (const [name] of contenders) {
    const m = median(wall(name))
    const verdict = isMqkit(name)
      ? `  ${(m / TARGET_MS).toFixed(2)}x the target: ${m < TARGET_MS ? 'meets' : 'MISSES'} it; over node ${(m - floorWall).toFixed(0)} ms wall, ${(median(cpu(name)) - floorCpu).toFixed(0)} ms CPU`
      : ''
    console.log(`  ${name.padEnd(32)} wall ${summary(wall(name))}  CPU ${summary(cpu(name))}${verdict}`)
  }
  if (BASELINE_BIN) console.log('\nthis build / baseline, medians:')
  for (const [name] of BASELINE_BIN ? contenders.filter(([name]) => isMqkit(name) && !name.endsWith('(baseline)')) : []) {
    const ratio = (values) => (median(values(name)) / median(values(`${name} (baseline)`))).toFixed(2)
    console.log(`  ${name.padEnd(32)} wall ${ratio(wall)}x  CPU ${ratio(cpu)}x`)
  }
} finally {
  rmSync(folder, {recursive: true, force: true})
}
