// The sharded-run examples (examples/k8s, examples/github) executed step for step against the real
// RabbitMQ, as far as a machine without Kubernetes or GitHub runners can: every shell command the
// manifests and the workflow hold runs as written, with what the scheduler would provide (the Indexed
// Job's JOB_COMPLETION_INDEX and env, the volume as a folder, the workflow's expressions, outputs and
// artifacts). What differs from a real run, and only that: the broker address (the example's service
// name or secret → the test broker), `mqkit` on PATH (this checkout's bin/run.js), --duration and
// --warmup (60 s and 5 s → 2 s and 1 s), and the start time (90 s or 120 s ahead → 4 s). Alone:
// four shard processes at once would distort other files' timing.
import {execFile} from 'node:child_process'
import {chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {describe, expect, it, onTestFinished} from 'vitest'
import {parse, parseAllDocuments} from 'yaml'
import type {ShardMergedResult} from '../../src/results/shards.js'
import {AMQP_URL, amqpAvailable} from '../helpers/brokers.js'
import {BIN, ROOT} from '../helpers/cli.js'

const EXAMPLES = path.join(ROOT, 'examples')
const START_IN_S = 4

interface Shell {
  code: number | null
  stdout: string
  stderr: string
}

function sh(shell: 'sh' | 'bash', script: string, options: {cwd: string; env: Record<string, string>}): Promise<Shell> {
  return new Promise((resolve) => {
    execFile(shell, ['-c', script], {cwd: options.cwd, env: {...process.env, ...options.env}, timeout: 90_000}, (error, stdout, stderr) => {
      resolve({code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr})
    })
  })
}

function tempFolder(): string {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'mqkit-examples-'))
  onTestFinished(() => rmSync(folder, {recursive: true, force: true}))
  return folder
}

/** A folder holding `mqkit`, as the example's image installs it, for PATH. */
function mqkitOnPath(folder: string): string {
  const bin = path.join(folder, 'path-bin')
  mkdirSync(bin)
  writeFileSync(path.join(bin, 'mqkit'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`)
  chmodSync(path.join(bin, 'mqkit'), 0o755)
  return `${bin}:${process.env.PATH}`
}

/** The run's length shortened, and nothing else: the one edit the tests make to a bench command line. */
function shortened(command: string): string {
  expect(command).toContain('--duration 60s')
  expect(command).toContain('--warmup 5s')
  return command.replace('--duration 60s', '--duration 2s').replace('--warmup 5s', '--warmup 1s')
}

function expectWholeRun(merged: ShardMergedResult, runId: string): void {
  expect(merged.merged.shards).toMatchObject({runId, count: 4, missing: [], duplicated: []})
  expect(merged.workload).toMatchObject({producers: 8, consumers: 8})
  expect(merged.integrity.lost).toBe(0)
  expect(merged.integrity.duplicates).toBe(0)
  expect(merged.throughput.published.count).toBeGreaterThan(0)
  expect(merged.integrity.unique).toBe(merged.integrity.confirmed)
}

// Every placeholder in the manifests must be one run.sh fills in.
function filled(text: string, values: Record<string, string>): string {
  const placeholders = new Set([...text.matchAll(/@([A-Z_]+)@/g)].map((m) => m[1]))
  const runSh = readFileSync(path.join(EXAMPLES, 'k8s', 'run.sh'), 'utf8')
  for (const name of placeholders) {
    expect(runSh, `run.sh fills @${name}@`).toContain(`s/@${name}@/`)
    expect(values[name], `a value for @${name}@`).toBeDefined()
  }
  return text.replace(/@([A-Z_]+)@/g, (_, name: string) => values[name])
}

interface Container {
  command: string[]
  args: string[]
  env?: Array<{name: string; value?: string; valueFrom?: {fieldRef?: {fieldPath: string}}}>
  volumeMounts?: Array<{name: string; mountPath: string}>
}

interface JobDocument {
  kind: string
  metadata: {name: string}
  spec: {completionMode?: string; completions?: number; parallelism?: number; template: {spec: {containers: Container[]}}}
}

function jobOf(file: string, values: Record<string, string>): JobDocument {
  const documents = parseAllDocuments(filled(readFileSync(path.join(EXAMPLES, 'k8s', file), 'utf8'), values)).map((d) => d.toJS() as JobDocument)
  const jobs = documents.filter((d) => d.kind === 'Job')
  expect(jobs).toHaveLength(1)
  return jobs[0]
}

/** What a pod of the Job runs: its container's `sh -c` script with the volume's mount path mapped to a folder. */
function podScript(container: Container, volume: string): string {
  expect(container.command).toEqual(['sh', '-c'])
  expect(container.args).toHaveLength(1)
  const mount = container.volumeMounts?.[0]?.mountPath
  expect(mount).toBeDefined()
  return container.args[0].split(mount!).join(volume)
}

/** The container's env as the kubelet gives it: plain values, and 0 for a first try's failure-count annotation. */
function podEnv(container: Container, index: number): Record<string, string> {
  const env: Record<string, string> = {JOB_COMPLETION_INDEX: String(index)}
  for (const variable of container.env ?? []) {
    if (variable.value !== undefined) env[variable.name] = variable.value
    else if (variable.valueFrom?.fieldRef?.fieldPath === "metadata.annotations['batch.kubernetes.io/job-index-failure-count']") env[variable.name] = '0'
    else throw new Error(`the test does not know how Kubernetes fills ${variable.name}`)
  }
  expect(env.MQKIT_URL, 'the example names its broker in MQKIT_URL').toBeDefined()
  env.MQKIT_URL = AMQP_URL
  return env
}

describe.skipIf(!(await amqpAvailable()))('the sharded-run examples, executed step by step', () => {
  it('examples/k8s: the Indexed Job’s four pods, then the merge Job, give one whole run', async () => {
    const folder = tempFolder()
    const volume = path.join(folder, 'volume')
    mkdirSync(volume)
    const runId = `k8s-${process.pid}-${Date.now()}`
    const values = {RUN_ID: runId, START_AT: String(Math.round(Date.now() / 1000) + START_IN_S)}
    const PATH = mqkitOnPath(folder)

    const bench = jobOf('bench-job.yaml', values)
    expect(bench.spec).toMatchObject({completionMode: 'Indexed', completions: 4, parallelism: 4})
    const shard = bench.spec.template.spec.containers[0]
    const script = shortened(podScript(shard, volume))
    expect(script).toContain('--shards 4')
    const pods = await Promise.all([0, 1, 2, 3].map((index) => sh('sh', script, {cwd: folder, env: {...podEnv(shard, index), PATH}})))
    for (const [index, pod] of pods.entries()) expect(pod.code, `pod ${index}: ${pod.stderr}`).toBe(0)
    expect(readdirSync(path.join(volume, runId)).sort()).toEqual([0, 1, 2, 3].map((i) => `shard-${i}-attempt-0.json`))

    const merge = jobOf('merge-job.yaml', values)
    const merger = merge.spec.template.spec.containers[0]
    const log = await sh('sh', podScript(merger, volume), {cwd: folder, env: {PATH}})
    expect(log.code, log.stderr).toBe(0)
    expectWholeRun(JSON.parse(readFileSync(path.join(volume, runId, 'merged.json'), 'utf8')) as ShardMergedResult, runId)
    expect(readFileSync(path.join(volume, runId, 'report.html'), 'utf8')).toContain('<html')
    expect(log.stdout, 'the merge Job’s log holds the tables').toContain('shards: run ')
  }, 120_000)

  it('examples/github: the start job, the four matrix shards and the merge job give one whole run', async () => {
    interface Step {
      id?: string
      name?: string
      uses?: string
      run?: string
      with?: Record<string, unknown>
    }
    interface Job {
      steps: Step[]
      env?: Record<string, string>
      strategy?: {matrix: {index: number[]}}
    }
    const workflow = parse(readFileSync(path.join(EXAMPLES, 'github', 'sharded-bench.yml'), 'utf8')) as {jobs: Record<string, Job>}
    const {start, shard, merge} = workflow.jobs
    const folder = tempFolder()
    const PATH = mqkitOnPath(folder)
    const runId = String(Date.now())
    const artifacts = path.join(folder, 'artifacts')
    mkdirSync(artifacts)

    // A runner's workspace after actions/checkout (and npm ci): this checkout's bin/ and what it runs.
    const workspace = (name: string) => {
      const dir = path.join(folder, name)
      mkdirSync(dir)
      symlinkSync(path.join(ROOT, 'bin'), path.join(dir, 'bin'))
      return dir
    }
    const expressions = (known: Record<string, string>) => (text: string) =>
      text.replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_, expression: string) => {
        if (!(expression in known)) throw new Error(`the test does not know the workflow expression \${{ ${expression} }}`)
        return known[expression]
      })
    /** The steps a job runs: `run` scripts in bash; of the actions, only artifact upload and download do something here. */
    const runJob = async (job: Job, cwd: string, known: Record<string, string>, env: Record<string, string>) => {
      const fill = expressions(known)
      for (const step of job.steps) {
        if (step.run?.trim() === 'npm ci') {
          // This checkout is installed already: the workspace's bin/ runs it.
        } else if (step.run !== undefined) {
          const result = await sh('bash', fill(step.run), {cwd, env: {...env, PATH}})
          expect(result.code, `${step.name ?? step.run}: ${result.stderr}`).toBe(0)
        } else if (step.uses?.startsWith('actions/upload-artifact@')) {
          const name = fill(String(step.with?.name))
          const paths = fill(String(step.with?.path)).split('\n').filter(Boolean)
          mkdirSync(path.join(artifacts, name))
          for (const file of paths) cpSync(path.join(cwd, file.trim()), path.join(artifacts, name, path.basename(file.trim())))
        } else if (step.uses?.startsWith('actions/download-artifact@')) {
          expect(step.with).toMatchObject({'merge-multiple': true})
          const pattern = new RegExp(`^${String(step.with?.pattern).replace('*', '.*')}$`)
          const into = path.join(cwd, String(step.with?.path))
          mkdirSync(into)
          for (const name of readdirSync(artifacts).filter((n) => pattern.test(n))) cpSync(path.join(artifacts, name), into, {recursive: true})
        } else {
          expect(
            ['actions/checkout@', 'actions/setup-node@'].some((a) => step.uses?.startsWith(a)),
            `a step the test can stand in for: ${step.uses}`,
          ).toBe(true)
        }
      }
    }

    // start: its output is a start time two minutes ahead; the shards get one 4 s ahead instead.
    const startDir = workspace('start')
    const output = path.join(folder, 'start-output')
    writeFileSync(output, '')
    await runJob(start, startDir, {}, {GITHUB_OUTPUT: output})
    const at = Number(/^at=(\d+)$/m.exec(readFileSync(output, 'utf8'))?.[1])
    expect(at - Date.now() / 1000).toBeGreaterThan(100)
    const startAt = String(Math.round(Date.now() / 1000) + START_IN_S)

    expect(shard.strategy?.matrix.index).toEqual([0, 1, 2, 3])
    const benchStep = shard.steps.find((s) => s.run?.includes('bench'))!
    benchStep.run = shortened(benchStep.run!)
    await Promise.all(
      [0, 1, 2, 3].map(async (index) => {
        const known = {
          'matrix.index': String(index),
          'github.run_id': runId,
          'github.run_attempt': '1',
          'needs.start.outputs.at': startAt,
          'secrets.MQKIT_URL': AMQP_URL,
        }
        const fill = expressions(known)
        const env = Object.fromEntries(Object.entries(shard.env ?? {}).map(([k, v]) => [k, fill(v)]))
        await runJob(shard, workspace(`shard-${index}`), {...known, 'env.RESULT': env.RESULT}, env)
      }),
    )

    const mergeDir = workspace('merge')
    const summary = path.join(folder, 'step-summary.md')
    writeFileSync(summary, '')
    await runJob(merge, mergeDir, {'github.run_attempt': '1'}, {GITHUB_STEP_SUMMARY: summary})
    expect(readdirSync(path.join(mergeDir, 'shards')).sort()).toEqual([0, 1, 2, 3].map((i) => `shard-${i}-attempt-1.json`))
    expectWholeRun(JSON.parse(readFileSync(path.join(mergeDir, 'merged.json'), 'utf8')) as ShardMergedResult, runId)
    expect(readFileSync(summary, 'utf8')).toContain('shards: run ')
    expect(existsSync(path.join(artifacts, 'merged-1', 'report.html'))).toBe(true)
  }, 120_000)
})
