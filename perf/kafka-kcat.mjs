#!/usr/bin/env node
// The kcat comparisons of issue 14 — prints, never asserts. The last part of `npm run perf:kafka`
// (PERF_KCAT=0 skips it there), or alone: node perf/kafka-kcat.mjs [lines=1000000] [rounds=3].
// Needs `npm run build`, kcat on PATH (Debian package `kcat`) and Kafka on 127.0.0.1:9092.
// The CLI against kcat (librdkafka) doing the same job, as a user runs both: whole processes,
// start-up included, wall time measured by bash's `time` around the command alone, in alternating
// rounds (mqkit, kcat, mqkit, kcat, ...). Both with their default settings (acks all, one broker).
//   publish  `mqkit publish TOPIC` and `kcat -P -t TOPIC`, LINES lines of SIZE bytes on stdin,
//            each into a fresh 1-partition topic; afterwards the topic must hold exactly LINES records
//   consume  `mqkit consume TOPIC --from beginning -e` and `kcat -C -t TOPIC -o beginning -e -q`,
//            stdout to a file; one topic filled once by kcat -P before the rounds; afterwards the
//            file must equal the input byte for byte (single partition: order kept)
// Per round the wall time, the command's CPU time (user + system, the steadier figure on a busy
// machine) and mqkit/kcat; then medians with the rounds' range against the targets below.
// Env: PERF_KCAT_LINES (default 1000000, or the first argument), PERF_KCAT_JOBS (publish,consume:
// the default; or one of them), PERF_DIST (another build's dist/: its ../bin/run.js runs),
// MQKIT_TEST_KAFKA_URL.
import {spawn} from 'node:child_process'
import {createHash} from 'node:crypto'
import {createReadStream, mkdtempSync, rmSync, statSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {pathToFileURL} from 'node:url'
import {DIST, fmt, intArg, loadAverage, median, topicsOf} from './perf-common.mjs'

/** "min–max" at two decimals (seconds, ratios). */
const rangeOf = (values) => `${Math.min(...values).toFixed(2)}–${Math.max(...values).toFixed(2)}`

/** Issue 14's targets: mqkit's wall time at most this many times kcat's, process start included. */
export const KCAT_TARGETS = {publish: 3, consume: 4}
/** Body bytes per line (the newline comes on top). */
const SIZE = 100
const MQKIT = path.join(DIST, '..', 'bin', 'run.js')

/** Runs `argv` with stdin from `input` and stdout to `output`; wall and CPU seconds from bash's `time`. */
function timed(argv, input, output) {
  const script = `TIMEFORMAT='%3R %3U %3S'; time "$@" <"$PERF_IN" >"$PERF_OUT"`
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', script, 'bash', ...argv], {stdio: ['ignore', 'ignore', 'pipe'], env: {...process.env, PERF_IN: input, PERF_OUT: output}})
    let err = ''
    child.stderr.on('data', (chunk) => (err += chunk))
    child.on('error', reject)
    child.on('close', (code) => {
      const lines = err.trim().split('\n')
      const [wall, user, system] = (lines.pop() ?? '').split(' ').map(Number)
      const said = lines.join(' | ')
      if (code !== 0 || !Number.isFinite(wall)) reject(new Error(`${argv.slice(0, 3).join(' ')} exited ${code}: ${said || err}`))
      else resolve({wallSeconds: wall, cpuSeconds: user + system, said})
    })
  })
}

async function sha256(file) {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(file)) hash.update(chunk)
  return hash.digest('hex')
}

/** LINES lines of SIZE printable bytes, numbered (a lost or reordered record changes the file). */
function writeInput(file, lines) {
  const filler = '.'.repeat(SIZE)
  const chunk = []
  writeFileSync(file, '')
  for (let i = 0; i < lines; i++) {
    const n = String(i)
    chunk.push(n + filler.slice(n.length))
    if (chunk.length === 100_000 || i === lines - 1) {
      writeFileSync(file, `${chunk.join('\n')}\n`, {flag: 'a'})
      chunk.length = 0
    }
  }
}

/**
 * Runs the rounds and prints them. `admin` is a connected kafkajs admin (topics), `url` the
 * kafka:// URL mqkit gets, `broker` host:port for kcat.
 */
export async function kcatComparison({admin, url, broker, lines, rounds, jobs = ['publish', 'consume']}) {
  if (!Number.isInteger(lines) || lines < 1) throw new Error(`PERF_KCAT_LINES must be a positive integer, got ${lines}`)
  const unknownJob = jobs.find((job) => !(job in KCAT_TARGETS))
  if (unknownJob !== undefined || jobs.length === 0) throw new Error(`PERF_KCAT_JOBS takes publish and/or consume (comma-separated), got "${jobs.join(',')}"`)
  const withTopic = topicsOf(admin)
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mqkit-perf-kcat-'))
  const input = path.join(dir, 'lines.txt')
  const output = path.join(dir, 'out.txt')
  const records = async (topic) => (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0)
  try {
    writeInput(input, lines)
    const inputHash = await sha256(input)
    const contenders = {
      publish: {
        mqkit: (topic) => [process.execPath, MQKIT, 'publish', topic, '--url', url],
        kcat: (topic) => ['kcat', '-P', '-b', broker, '-t', topic],
      },
      consume: {
        mqkit: (topic) => [process.execPath, MQKIT, 'consume', topic, '--url', url, '--from', 'beginning', '-e'],
        kcat: (topic) => ['kcat', '-C', '-b', broker, '-t', topic, '-o', 'beginning', '-e', '-q'],
      },
    }
    const publish = (who) =>
      withTopic(`kcat-p-${who}`, async (topic) => {
        const run = await timed(contenders.publish[who](topic), input, '/dev/null')
        const held = await records(topic)
        if (held !== lines) throw new Error(`${who} publish: topic holds ${fmt(held)} records, not ${fmt(lines)} (${run.said})`)
        return run
      })
    const consume = async (who, topic) => {
      rmSync(output, {force: true})
      const run = await timed(contenders.consume[who](topic), '/dev/null', output)
      if ((await sha256(output)) !== inputHash)
        throw new Error(`${who} consume: output (${fmt(statSync(output).size)} bytes) differs from the ${fmt(lines)} lines published (${run.said})`)
      return run
    }

    console.log(
      `kcat comparison: ${fmt(lines)} lines of ${SIZE} B on stdin / to a file, ${rounds} rounds, mqkit ${path.relative(process.cwd(), MQKIT)}, kcat ${broker}`,
    )
    const figures = {publish: {mqkit: [], kcat: []}, consume: {mqkit: [], kcat: []}}
    await withTopic('kcat-c', async (source) => {
      if (jobs.includes('consume')) {
        const fill = await timed(contenders.publish.kcat(source), input, '/dev/null')
        if ((await records(source)) !== lines) throw new Error(`filling ${source} with kcat -P failed: ${fill.said}`)
      }
      for (let round = 1; round <= rounds; round++) {
        if (jobs.includes('publish')) for (const who of ['mqkit', 'kcat']) figures.publish[who].push(await publish(who))
        if (jobs.includes('consume')) for (const who of ['mqkit', 'kcat']) figures.consume[who].push(await consume(who, source))
        const side = (job) => {
          const [m, k] = [figures[job].mqkit.at(-1), figures[job].kcat.at(-1)]
          return `${job} mqkit ${m.wallSeconds.toFixed(2)} s (CPU ${m.cpuSeconds.toFixed(2)}) kcat ${k.wallSeconds.toFixed(2)} s (CPU ${k.cpuSeconds.toFixed(2)}) = ${(m.wallSeconds / k.wallSeconds).toFixed(2)}x`
        }
        console.log(`round ${round} (load ${await loadAverage()}): ${jobs.map(side).join(' | ')}`)
      }
    })

    for (const job of jobs) {
      const {mqkit, kcat} = figures[job]
      const ratios = mqkit.map((m, i) => m.wallSeconds / kcat[i].wallSeconds)
      const wall = (runs) => runs.map((r) => r.wallSeconds)
      const cpuMicros = (runs) => median(runs.map((r) => (r.cpuSeconds * 1e6) / lines)).toFixed(2)
      const ratio = median(ratios)
      const verdict = ratio <= KCAT_TARGETS[job] ? 'PASS' : 'MISS'
      console.log(
        `mqkit ${job} / kcat ${job === 'publish' ? '-P' : '-C'} (wall time, start-up included): median ${ratio.toFixed(2)}x (rounds ${rangeOf(ratios)})  target ≤ ${KCAT_TARGETS[job]}x  ${verdict}` +
          `\n  wall s: mqkit ${median(wall(mqkit)).toFixed(2)} (${rangeOf(wall(mqkit))}), kcat ${median(wall(kcat)).toFixed(2)} (${rangeOf(wall(kcat))}); CPU µs/record: mqkit ${cpuMicros(mqkit)}, kcat ${cpuMicros(kcat)}`,
      )
    }
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const {default: kafkajs} = await import('kafkajs')
  const url = process.env.MQKIT_TEST_KAFKA_URL ?? 'kafka://127.0.0.1:9092'
  const broker = new URL(url).host
  const admin = new kafkajs.Kafka({clientId: 'mqkit-perf-kcat', brokers: [broker], logLevel: kafkajs.logLevel.NOTHING}).admin()
  await admin.connect()
  try {
    const jobs = (process.env.PERF_KCAT_JOBS ?? 'publish,consume').split(',').filter(Boolean)
    await kcatComparison({admin, url, broker, lines: intArg(2, Number(process.env.PERF_KCAT_LINES ?? 1_000_000)), rounds: intArg(3, 3), jobs})
  } finally {
    await admin.disconnect()
  }
}
