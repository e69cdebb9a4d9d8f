// The fault hook: --fault-at / --fault-cmd parsing, and real shell commands run on a run clock,
// their output prefixed on stderr, their process groups ended at the end of the run.
import {readFileSync} from 'node:fs'
import {afterEach, describe, expect, it, vi} from 'vitest'
import {FaultRunner, parseFaults, type FaultSpec} from '../../../src/bench/faults/fault.js'
import {UsageError} from '../../../src/errors.js'
import type {RunEvent} from '../../../src/results/availability.js'

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

/** Alive and not a zombie (an orphan whose new parent has not reaped it yet is dead). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z'
  } catch {
    return false
  }
}

function harness(faults: FaultSpec[], options: {shell?: string} = {}) {
  const events: RunEvent[] = []
  let stderr = ''
  const t0 = performance.now()
  const clockMs = () => performance.now() - t0
  const runner = new FaultRunner({
    faults,
    queues: ['q1', 'q2'],
    onEvent: (e) => events.push(e),
    stderr: {write: (text: string) => (stderr += text)},
    ...options,
  })
  runner.start(clockMs)
  return {runner, events, stderr: () => stderr, clockMs}
}

const pids: number[] = []
afterEach(() => {
  for (const pid of pids.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // gone, as it should be
    }
  }
})

describe('parseFaults', () => {
  it('pairs --fault-at with --fault-cmd by position, one command serving every time, in time order', () => {
    expect(parseFaults(undefined, undefined)).toEqual([])
    expect(parseFaults([], [])).toEqual([])
    expect(parseFaults(['20s'], ['stop'])).toEqual([{atMs: 20_000, command: 'stop'}])
    expect(parseFaults(['30s', '500ms', '2'], ['x'])).toEqual([
      {atMs: 500, command: 'x'},
      {atMs: 2000, command: 'x'},
      {atMs: 30_000, command: 'x'},
    ])
    expect(parseFaults(['40s', '10s'], ['start', 'stop'])).toEqual([
      {atMs: 10_000, command: 'stop'},
      {atMs: 40_000, command: 'start'},
    ])
  })

  it('refuses a half, counts that do not pair, bad durations and empty commands, each in one line', () => {
    const cases: Array<[string[] | undefined, string[] | undefined, RegExp]> = [
      [['20s'], undefined, /^--fault-at needs --fault-cmd/],
      [undefined, ['x'], /^--fault-cmd needs --fault-at/],
      [['1s', '2s', '3s'], ['a', 'b'], /^--fault-at and --fault-cmd pair up by position: got 3 --fault-at and 2 --fault-cmd/],
      [['1s'], ['a', 'b'], /got 1 --fault-at and 2 --fault-cmd/],
      [['soon'], ['a'], /^--fault-at must be a duration .*got "soon"/],
      [['1s'], ['  '], /^--fault-cmd must not be empty/],
    ]
    for (const [at, cmd, message] of cases) {
      let error: unknown
      try {
        parseFaults(at, cmd)
      } catch (e) {
        error = e
      }
      expect(error, `${at} / ${cmd}`).toBeInstanceOf(UsageError)
      expect((error as Error).message).toMatch(message)
      expect((error as Error).message).not.toContain('\n')
    }
  })
})

describe('FaultRunner', () => {
  it('runs the command at its time with the fault environment; output prefixed on stderr, nothing on stdout; exit status recorded', async () => {
    const stdout = vi.spyOn(process.stdout, 'write')
    try {
      const command = 'echo hi; echo err >&2; echo "$MQKIT_FAULT_AT_MS $MQKIT_QUEUES"; printf tail; exit 3'
      const h = harness([{atMs: 100, command}])
      await waitFor(() => h.events.some((e) => e.kind === 'fault-ended'))
      expect(await h.runner.finish(1000)).toEqual({notRun: []})
      const [started, ended] = h.events
      expect(started).toMatchObject({kind: 'fault-started', command})
      expect(started.atMs).toBeGreaterThanOrEqual(99)
      expect(started.atMs).toBeLessThan(2000)
      expect(ended).toMatchObject({kind: 'fault-ended', command, exitCode: 3, signal: null})
      expect(ended.atMs).toBeGreaterThanOrEqual(started.atMs)
      expect(h.events).toHaveLength(2)
      const lines = h.stderr().split('\n')
      for (const line of ['fault: hi', 'fault: err', 'fault: 100 q1,q2', 'fault: tail']) expect(lines).toContain(line)
      expect(h.stderr().endsWith('\n')).toBe(true)
      expect(stdout.mock.calls.map(([chunk]) => String(chunk)).join('')).not.toMatch(/hi|err|tail/)
    } finally {
      stdout.mockRestore()
    }
  })

  it('ends a command still running at finish: SIGTERM to its process group, children included', async () => {
    const h = harness([{atMs: 0, command: 'sleep 30 & echo "child $!"; wait'}])
    await waitFor(() => /child \d+/.test(h.stderr()))
    const child = Number(/child (\d+)/.exec(h.stderr())![1])
    pids.push(child)
    expect(alive(child)).toBe(true)
    const before = Date.now()
    await h.runner.finish(200)
    expect(Date.now() - before).toBeLessThan(1800) // SIGTERM was enough: no SIGKILL grace
    expect(h.events.at(-1)).toMatchObject({kind: 'fault-ended', exitCode: null, signal: 'SIGTERM'})
    expect(alive(child)).toBe(false)
  })

  it('ends what a command left behind in its group after the shell exited', async () => {
    const h = harness([{atMs: 0, command: 'sleep 30 & echo "child $!"'}])
    await waitFor(() => h.events.some((e) => e.kind === 'fault-ended') && /child \d+/.test(h.stderr()))
    const child = Number(/child (\d+)/.exec(h.stderr())![1])
    pids.push(child)
    expect(h.events.at(-1)).toMatchObject({kind: 'fault-ended', exitCode: 0, signal: null})
    expect(alive(child)).toBe(true)
    await h.runner.finish(100)
    expect(alive(child)).toBe(false)
  })

  it('SIGKILLs a group that ignores SIGTERM, after the grace period', async () => {
    const h = harness([{atMs: 0, command: "trap '' TERM; echo ready; sleep 30"}])
    await waitFor(() => h.stderr().includes('fault: ready'))
    await h.runner.finish(50)
    expect(h.events.at(-1)).toMatchObject({kind: 'fault-ended', exitCode: null, signal: 'SIGKILL'})
  })

  it('reports faults not started by finish as notRun, with no event', async () => {
    const late = {atMs: 60_000, command: 'echo never'}
    const h = harness([{atMs: 0, command: 'true'}, late])
    await waitFor(() => h.events.some((e) => e.kind === 'fault-ended'))
    expect(await h.runner.finish(1000)).toEqual({notRun: [late]})
    expect(h.events.map((e) => e.kind)).toEqual(['fault-started', 'fault-ended'])
    expect(h.stderr()).not.toContain('never')
  })

  it('a command that cannot be spawned ends with exit code null and one error line', async () => {
    const h = harness([{atMs: 0, command: 'true'}], {shell: '/nonexistent/sh'})
    await waitFor(() => h.events.some((e) => e.kind === 'fault-ended'))
    await h.runner.finish(100)
    expect(h.events).toMatchObject([
      {kind: 'fault-started', command: 'true'},
      {kind: 'fault-ended', command: 'true', exitCode: null, signal: null},
    ])
    expect(h.stderr().trimEnd().split('\n')).toEqual([expect.stringMatching(/^fault: cannot run "true": .*ENOENT/)])
  })

  it('abort() ends running commands at once and cancels pending ones', async () => {
    const h = harness([
      {atMs: 0, command: 'echo up; sleep 30'},
      {atMs: 60_000, command: 'true'},
    ])
    await waitFor(() => h.stderr().includes('fault: up'))
    const before = Date.now()
    const {notRun} = await h.runner.abort()
    expect(Date.now() - before).toBeLessThan(1800)
    expect(notRun).toEqual([{atMs: 60_000, command: 'true'}])
    expect(h.events.at(-1)).toMatchObject({kind: 'fault-ended', signal: 'SIGTERM'})
  })

  it('output already in the pipe when the wait for it ends is still read (a stall longer than the wait: timers run before I/O)', async () => {
    // The escapee (own session, so outside the group) holds the pipe and writes 300 ms later; the
    // event loop is blocked from 50 ms to 900 ms, across the end of finish's 500 ms wait for the pipes.
    const h = harness([{atMs: 0, command: "setsid sh -c 'sleep 0.3; echo late' & exit 0"}])
    await waitFor(() => h.events.some((e) => e.kind === 'fault-ended'))
    const finished = h.runner.finish(1000)
    // The stall runs after the I/O phase (setImmediate), so the next turn starts with the timers, as
    // after a process the OS did not schedule for that long.
    setTimeout(() => {
      setImmediate(() => {
        const until = Date.now() + 850
        while (Date.now() < until) {
          // The stall.
        }
      })
    }, 50)
    await finished
    expect(h.stderr()).toContain('fault: late\n')
  })
})
