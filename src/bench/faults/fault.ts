// The fault hook (`bench --fault-at 20s --fault-cmd 'CMD'`): a shell command run at a moment of
// the run, to break the broker with whatever tool the user has (rabbitmqctl, kill, systemctl,
// kubectl, docker, a proxy). Its start, end and exit status go on the run's timeline as RunEvents;
// its output goes to mqkit's stderr, every line prefixed `fault: `, never to stdout (stdout carries
// mqkit's data). Each command runs in its own process group, so everything it started can be
// stopped at the end of the run: a run leaves no process behind.
import {spawn, type ChildProcess} from 'node:child_process'
import {readdirSync, readFileSync} from 'node:fs'
import {StringDecoder} from 'node:string_decoder'
import type {Readable} from 'node:stream'
import {UsageError} from '../../errors.js'
import {parseDurationMs} from '../../flag-grammars.js'
import type {RunEvent} from '../../results/availability.js'

export interface FaultSpec {
  /** Run clock ms (0 = the start of production). */
  atMs: number
  /** Given to `/bin/sh -c`. */
  command: string
}

/** Prefix of every line of a fault command's output on mqkit's stderr. */
export const FAULT_OUTPUT_PREFIX = 'fault: '

/** After SIGTERM, a fault command's process group gets this long before SIGKILL. @default 2000 */
export const FAULT_KILL_GRACE_MS = 2000

/** At the end, how long output still in a command's pipes may take to arrive. */
const PIPE_DRAIN_MS = 500

/** How often a process group is checked for members left after its shell exited. */
const GROUP_POLL_MS = 50

/**
 * --fault-at / --fault-cmd (repeatable) → faults in time order. They pair up by position; one
 * --fault-cmd serves every --fault-at. A bare number is seconds, like every duration flag.
 */
export function parseFaults(at: readonly string[] | undefined, cmd: readonly string[] | undefined): FaultSpec[] {
  const times = at ?? []
  const commands = cmd ?? []
  if (times.length === 0 && commands.length === 0) return []
  if (commands.length === 0) throw new UsageError('--fault-at needs --fault-cmd (the command to run at that moment)')
  if (times.length === 0) throw new UsageError('--fault-cmd needs --fault-at (when to run it, e.g. --fault-at 20s)')
  if (commands.length !== 1 && commands.length !== times.length) {
    throw new UsageError(
      `--fault-at and --fault-cmd pair up by position: got ${times.length} --fault-at and ${commands.length} --fault-cmd (give one --fault-cmd for all, or one per --fault-at)`,
    )
  }
  const empty = commands.find((command) => command.trim() === '')
  if (empty !== undefined) throw new UsageError(`--fault-cmd must not be empty, got "${empty}"`)
  return times
    .map((raw, i) => ({atMs: parseDurationMs('fault-at', raw), command: commands.length === 1 ? commands[0] : commands[i]}))
    .sort((a, b) => a.atMs - b.atMs)
}

export interface FaultRunnerOptions {
  faults: readonly FaultSpec[]
  /** The bench queues, for MQKIT_QUEUES. */
  queues: readonly string[]
  /** fault-started / fault-ended, in the order they happen. */
  onEvent: (event: RunEvent) => void
  /** Where the commands' output goes. @default process.stderr */
  stderr?: {write(text: string): unknown}
  /** The commands' environment, before MQKIT_FAULT_AT_MS and MQKIT_QUEUES. @default process.env */
  env?: NodeJS.ProcessEnv
  /** @default '/bin/sh' */
  shell?: string
}

interface Running {
  spec: FaultSpec
  child: ChildProcess
  /** The shell's pid = its process group id (detached). */
  pgid: number | undefined
  exited: Promise<void>
  /** The shell exited and its output pipes closed. */
  closed: Promise<void>
  flush: () => void
}

/**
 * Runs the faults on the run clock. start() schedules them; finish() at the end of the run
 * cancels those not started yet and ends the rest; abort() on SIGINT/SIGTERM ends them at once.
 */
export class FaultRunner {
  private readonly pending = new Map<FaultSpec, NodeJS.Timeout>()
  private readonly running: Running[] = []
  private clockMs: () => number = () => 0
  private readonly stderr: {write(text: string): unknown}

  constructor(private readonly options: FaultRunnerOptions) {
    this.stderr = options.stderr ?? process.stderr
  }

  start(clockMs: () => number): void {
    this.clockMs = clockMs
    for (const spec of this.options.faults) this.schedule(spec)
  }

  /** A timer can fire up to a millisecond before its time on the run clock: it is set again for what is left. */
  private schedule(spec: FaultSpec): void {
    const timer = setTimeout(
      () => {
        if (this.clockMs() < spec.atMs) return this.schedule(spec)
        this.pending.delete(spec)
        this.launch(spec)
      },
      Math.max(0, spec.atMs - this.clockMs()),
    )
    // The run holds the process open; a fault left pending must not, nor run after it.
    timer.unref()
    this.pending.set(spec, timer)
  }

  /**
   * End of the run: faults not started yet are cancelled (no event; returned as notRun); running
   * ones — a shell not exited, or anything it started still in its process group — get up to
   * timeoutMs, then SIGTERM to the group and, FAULT_KILL_GRACE_MS later, SIGKILL.
   */
  async finish(timeoutMs: number): Promise<{notRun: FaultSpec[]}> {
    const notRun = this.cancelPending()
    const deadline = Date.now() + timeoutMs
    await Promise.all(this.running.map((r) => this.waitGone(r, deadline)))
    await this.endGroups()
    return {notRun}
  }

  /** SIGINT/SIGTERM of mqkit: cancel what has not started, SIGTERM every group now, SIGKILL after
   *  FAULT_KILL_GRACE_MS; resolves when they are gone. */
  async abort(): Promise<{notRun: FaultSpec[]}> {
    const notRun = this.cancelPending()
    await this.endGroups()
    return {notRun}
  }

  /** SIGTERM to every group still alive, SIGKILL to those alive FAULT_KILL_GRACE_MS later; then stop reading their pipes. */
  private async endGroups(): Promise<void> {
    const alive = this.running.filter((r) => groupAlive(r.pgid))
    if (alive.length > 0) {
      for (const r of alive) signalGroup(r, 'SIGTERM')
      const graceEnd = Date.now() + FAULT_KILL_GRACE_MS
      await Promise.all(alive.map((r) => this.waitGone(r, graceEnd)))
      for (const r of alive) if (groupAlive(r.pgid)) signalGroup(r, 'SIGKILL')
      await Promise.all(alive.map((r) => this.waitGone(r, Date.now() + FAULT_KILL_GRACE_MS)))
    }
    await this.release()
  }

  private cancelPending(): FaultSpec[] {
    const notRun = [...this.pending.keys()]
    for (const timer of this.pending.values()) clearTimeout(timer)
    this.pending.clear()
    return notRun
  }

  /** Read what is left in the commands' pipes, then stop reading them: a process outside the group
   *  that inherited one (a daemon started with setsid) must not hold mqkit open. */
  private async release(): Promise<void> {
    await Promise.all(this.running.map((r) => Promise.race([r.closed, sleep(PIPE_DRAIN_MS)])))
    // Timers run before I/O in a loop turn: after a stall longer than PIPE_DRAIN_MS (a loaded
    // machine) the wait above ends before output already in the pipes was read. One turn through
    // the I/O phase reads it.
    await new Promise<void>((resolve) => setImmediate(resolve))
    for (const r of this.running) {
      r.flush()
      r.child.stdout?.destroy()
      r.child.stderr?.destroy()
    }
  }

  /** Until the shell exited and its process group is empty, or the deadline. */
  private async waitGone(r: Running, deadline: number): Promise<void> {
    const remaining = deadline - Date.now()
    if (remaining > 0) await Promise.race([r.exited, sleep(remaining)])
    while (groupAlive(r.pgid) && Date.now() < deadline) await sleep(Math.min(GROUP_POLL_MS, Math.max(1, deadline - Date.now())))
  }

  private launch(spec: FaultSpec): void {
    const {command} = spec
    const event = (e: RunEvent) => this.options.onEvent(e)
    event({kind: 'fault-started', atMs: this.clockMs(), command})
    let ended = false
    const end = (exitCode: number | null, signal: string | null) => {
      if (ended) return
      ended = true
      event({kind: 'fault-ended', atMs: this.clockMs(), command, exitCode, signal})
    }
    const failed = (error: Error) => {
      this.stderr.write(`${FAULT_OUTPUT_PREFIX}cannot run "${command}": ${error.message}\n`)
      end(null, null)
    }
    let child: ChildProcess
    try {
      child = spawn(this.options.shell ?? '/bin/sh', ['-c', command], {
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {...(this.options.env ?? process.env), MQKIT_FAULT_AT_MS: String(spec.atMs), MQKIT_QUEUES: this.options.queues.join(',')},
      })
    } catch (error) {
      failed(error as Error)
      return
    }
    const flushes = [child.stdout, child.stderr].map((stream) =>
      stream ? prefixLines(stream, (line) => this.stderr.write(`${FAULT_OUTPUT_PREFIX}${line}\n`)) : () => {},
    )
    const exited = new Promise<void>((resolve) => {
      child.once('exit', (code, signal) => {
        end(code, signal)
        resolve()
      })
      child.once('error', (error) => {
        // 'error' alone when the spawn failed; after a spawn it is a failed kill, which the group poll covers.
        if (child.pid === undefined) {
          failed(error)
          resolve()
        }
      })
    })
    const closed = new Promise<void>((resolve) => child.once('close', () => resolve()))
    const flush = () => {
      for (const f of flushes) f()
    }
    this.running.push({spec, child, pgid: child.pid, exited, closed, flush})
  }
}

/** Each whole line of `stream` to `line`; returns a flush for a last line without a newline. */
function prefixLines(stream: Readable, line: (text: string) => void): () => void {
  const decoder = new StringDecoder('utf8')
  let partial = ''
  const take = (text: string) => {
    const lines = (partial + text).split('\n')
    partial = lines.pop() ?? ''
    for (const l of lines) line(l.endsWith('\r') ? l.slice(0, -1) : l)
  }
  stream.on('data', (chunk: Buffer) => take(decoder.write(chunk)))
  const flush = () => {
    take(decoder.end())
    if (partial !== '') line(partial)
    partial = ''
  }
  stream.once('end', flush)
  stream.on('error', () => {})
  return flush
}

/**
 * Whether any live process is left in the group. On Linux the members are read from /proc, so a
 * zombie (an orphan that exited but whose new parent, e.g. a container's PID 1, does not reap it)
 * does not count; elsewhere a signal 0 to the group tells.
 */
function groupAlive(pgid: number | undefined): boolean {
  if (pgid === undefined) return false
  const members = liveGroupMembers(pgid)
  if (members !== undefined) return members > 0
  try {
    process.kill(-pgid, 0)
    return true
  } catch (error) {
    // EPERM: the group exists but a member is no longer ours to signal (it changed its uid).
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Non-zombie processes whose process group is pgid, from /proc; undefined without /proc. */
function liveGroupMembers(pgid: number): number | undefined {
  let entries: string[]
  try {
    entries = readdirSync('/proc')
  } catch {
    return undefined
  }
  let live = 0
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue
    let stat: string
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
    } catch {
      continue // exited meanwhile
    }
    // "pid (comm) state ppid pgrp …": comm may hold spaces and parentheses, so split after the last ")".
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    if (Number(pgrp) === pgid && state !== 'Z' && state !== 'X') live++
  }
  return live
}

function signalGroup(r: Running, signal: NodeJS.Signals): void {
  if (r.pgid === undefined) return
  try {
    process.kill(-r.pgid, signal)
  } catch {
    // Gone meanwhile.
  }
}

/** A wait that never holds the process open (it races the commands' exits, which may win long before it ends). */
function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref())
}
