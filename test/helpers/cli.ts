// Run the real CLI (bin/run.js over the compiled dist/) as a child process.
import {spawn, type ChildProcessWithoutNullStreams} from 'node:child_process'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
export const BIN = path.join(ROOT, 'bin', 'run.js')

export interface CliResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

export interface CliOptions {
  input?: string | Buffer
  env?: Record<string, string | undefined>
  timeoutMs?: number
  cwd?: string
}

/**
 * No URL or context from the developer's shell or config: a current context (`mqkit context use`)
 * would send every command without --url to it. Tests of contexts set their own XDG_CONFIG_HOME.
 */
const NO_URL_CHOSEN = {MQKIT_URL: undefined, MQKIT_CONTEXT: undefined, XDG_CONFIG_HOME: path.join(os.tmpdir(), 'mqkit-tests-no-config')}

export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env = {...process.env, NO_COLOR: '1', ...NO_URL_CHOSEN, ...options.env}
    for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key]
    const child = spawn(process.execPath, [BIN, ...args], {cwd: options.cwd ?? ROOT, env: env as NodeJS.ProcessEnv})
    const stdout: Buffer[] = []
    const stderr: Buffer[] = []
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk))
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`mqkit ${args.join(' ')} did not finish within ${options.timeoutMs ?? 30_000} ms\nstderr: ${Buffer.concat(stderr)}`))
    }, options.timeoutMs ?? 30_000)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({code, signal, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8')})
    })
    if (options.input !== undefined) child.stdin.end(options.input)
    else child.stdin.end()
  })
}

export interface RunningCli {
  child: ChildProcessWithoutNullStreams
  stdout(): string
  stderr(): string
  /** Resolves with the exit code (null when killed by a signal) and the signal. */
  exited: Promise<{code: number | null; signal: NodeJS.Signals | null}>
}

/** Start the real CLI and keep it running: for signals, watch modes and pipes the test controls. */
export function startCli(args: string[], options: Omit<CliOptions, 'input' | 'timeoutMs'> = {}): RunningCli {
  const env = {...process.env, NO_COLOR: '1', ...NO_URL_CHOSEN, ...options.env}
  for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key]
  const child = spawn(process.execPath, [BIN, ...args], {cwd: options.cwd ?? ROOT, env: env as NodeJS.ProcessEnv})
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')))
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
  const exited = new Promise<{code: number | null; signal: NodeJS.Signals | null}>((resolve) => child.on('close', (code, signal) => resolve({code, signal})))
  return {child, stdout: () => stdout, stderr: () => stderr, exited}
}

/** The exit code of a started CLI, or a failure (the child killed) if it runs longer than `withinMs`. */
export async function exitCodeWithin(running: RunningCli, withinMs: number): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined
  const hung = new Promise<'hung'>((resolve) => (timer = setTimeout(() => resolve('hung'), withinMs)))
  const outcome = await Promise.race([running.exited, hung])
  clearTimeout(timer)
  if (outcome === 'hung') {
    running.child.kill('SIGKILL')
    throw new Error(`still running after ${withinMs} ms\nstderr: ${running.stderr()}`)
  }
  return outcome.code
}
