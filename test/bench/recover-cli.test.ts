// `mqkit bench --recover / --fault-at / --fault-cmd` at the command line (memory://, no broker):
// the fault command's output stays off stdout, its timing lands in the result, the new assertions
// evaluate, bad combinations are one-line usage errors, and SIGTERM ends a run and its fault command.
import {existsSync, mkdtempSync, readFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {runCli, startCli} from '../helpers/cli.js'
import type {BenchResult} from '../../src/results/document.js'

describe('bench --recover and the fault hook (CLI, memory://)', () => {
  // --rate makes the run last 0.2–0.3 s whatever the machine's speed, so the fault runs inside it.
  it('--json: stdout is the result alone, the command output is on stderr, its events and the assertions are in the result', async () => {
    const r = await runCli(
      [
        'bench',
        '--count',
        '3000',
        '--rate',
        '10000',
        '--recover',
        '--fault-at',
        '50ms',
        '--fault-cmd',
        'echo to-stdout; echo to-stderr >&2; exit 0',
        '--json',
        '--assert',
        'confirmed-lost=0',
        '--assert',
        'unavailable<15s',
        '--assert',
        'in-doubt=0',
      ],
      {timeoutMs: 60_000},
    )
    expect(r.code).toBe(0)
    const result = JSON.parse(r.stdout) as BenchResult
    expect(r.stdout.split('\n')).not.toContain('to-stdout')
    expect(r.stderr).toContain('fault: to-stdout')
    expect(r.stderr).toContain('fault: to-stderr')
    expect(result.availability?.events.map((e) => e.kind)).toEqual(['fault-started', 'fault-ended'])
    expect(result.availability?.windows).toEqual([])
    expect(result.integrity).toMatchObject({lost: 0, inDoubt: 0, leftInQueueBy: 'drained', unique: 3000})
    expect(result.assertions.map((a) => [a.expression, a.passed])).toEqual([
      ['confirmed-lost=0', true],
      ['unavailable<15s', true],
      ['in-doubt=0', true],
    ])
  })

  it('the table shows the fault command and the accounting', async () => {
    const r = await runCli(['bench', '--count', '2000', '--rate', '10000', '--recover', '--fault-at', '10ms', '--fault-cmd', 'exit 3'], {timeoutMs: 60_000})
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/exit 3|exited 3/)
    expect(r.stdout).toMatch(/in doubt/i)
    expect(r.stdout).toMatch(/fault command "exit 3" exited 3/)
    // Progress on stderr says when it ran.
    expect(r.stderr).toMatch(/\d+\.\ds {2}fault command started: exit 3\n/)
    expect(r.stderr).toMatch(/fault command ended: exit 3\n/)
  })

  it("'unavailable<15s' without --recover or --fault-cmd cannot be checked: n/a, exit 8", async () => {
    const r = await runCli(['bench', '--count', '1000', '--assert', 'unavailable<15s'], {timeoutMs: 60_000})
    expect(r.code).toBe(8)
    expect(r.stdout).toMatch(/unavailable<15s.*n\/a/)
  })

  it.each([
    [['--fault-at', '1s'], /--fault-at.*--fault-cmd|--fault-cmd/],
    [['--fault-cmd', 'true'], /--fault-at/],
    [['--recover-timeout', '5s'], /--recover-timeout needs --recover/],
    [['--recover', '--recover-timeout', '0s'], /--recover-timeout must be longer than 0/],
    [['--recover', '--find-max'], /--find-max and --sweep need a healthy broker/],
  ])('bench %j is a one-line usage error (exit 2)', async (args, message) => {
    const r = await runCli(['bench', '--count', '10', ...args], {timeoutMs: 30_000})
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(message)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
  })

  it('SIGTERM during a fault command ends the run (exit 143) and the command with it', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mqkit-fault-'))
    const pidFile = path.join(dir, 'pid')
    const running = startCli([
      'bench',
      '--rate',
      '200',
      '--duration',
      '30s',
      '--recover',
      '--fault-at',
      '100ms',
      '--fault-cmd',
      `sleep 30 & echo $! > ${pidFile}; wait`,
      '--quiet',
    ])
    const deadline = Date.now() + 15_000
    while (!existsSync(pidFile) || readFileSync(pidFile, 'utf8').trim() === '') {
      if (Date.now() > deadline) throw new Error(`the fault command never started\n${running.stderr()}`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    const sleeper = Number(readFileSync(pidFile, 'utf8').trim())
    running.child.kill('SIGTERM')
    const exit = await running.exited
    expect(exit.code).toBe(143)
    // The fault command's whole process group got SIGTERM (then SIGKILL): the background sleep too.
    const gone = Date.now() + 5000
    let alive = true
    while (alive && Date.now() < gone) {
      try {
        process.kill(sleeper, 0)
        await new Promise((resolve) => setTimeout(resolve, 100))
      } catch {
        alive = false
      }
    }
    expect(alive).toBe(false)
  })
})
