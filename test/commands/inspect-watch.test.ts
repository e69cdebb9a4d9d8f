// inspect --watch through the real CLI on the local store: not on a terminal, each refresh is
// appended with a timestamp (with --json: one compact document per line), a change in the queue
// shows in a later refresh, and Ctrl-C ends it with exit 0.
import {mkdtempSync, rmSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {waitFor} from '../helpers/brokers.js'
import {runCli, startCli} from '../helpers/cli.js'

const folder = mkdtempSync(path.join(os.tmpdir(), 'mqkit-watch-'))
afterAll(() => rmSync(folder, {recursive: true, force: true}))

describe.concurrent('inspect --watch', () => {
  it("--json: one document per refresh and line; the queue's change shows; Ctrl-C is exit 0", async () => {
    const url = `file:${path.join(folder, 'json.db')}`
    expect((await runCli(['declare', 'orders', '--url', url])).code).toBe(0)
    const watching = startCli(['inspect', 'orders', '--url', url, '--watch', '200ms', '--json'])
    const documents = () =>
      watching
        .stdout()
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line))
    await waitFor('two refreshes', () => documents().length >= 2, 20_000)
    expect((await runCli(['publish', 'orders', 'a', 'b', 'c', '--url', url])).code).toBe(0)
    await waitFor('a refresh showing ready 3', () => documents().some((d) => d.queues[0].ready === 3), 20_000)
    watching.child.kill('SIGINT')
    const {code} = await watching.exited
    expect(code, watching.stderr()).toBe(0)
    const all = documents()
    expect(all.map((d) => d.queues[0].ready)).toEqual([...all.map((d) => d.queues[0].ready)].sort((a, b) => a - b)) // 0…0, 3…3
    expect(all[0]).toMatchObject({queues: [{name: 'orders', ready: 0, inFlight: 0, consumers: 0}], source: expect.stringContaining('local store')})
    // Refreshes come every 200 ms, by their own clock.
    const gaps = all.slice(1).map((d, i) => d.atMs - all[i].atMs)
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(150)
    expect(
      watching
        .stdout()
        .split('\n')
        .filter(Boolean)
        .every((line) => !line.includes('\n') && line.startsWith('{')),
    ).toBe(true)
  })

  it('text: each refresh appended under a timestamp line; Ctrl-C is exit 0', async () => {
    const url = `file:${path.join(folder, 'text.db')}`
    expect((await runCli(['declare', 'jobs', '--url', url])).code).toBe(0)
    const watching = startCli(['inspect', 'jobs', '--url', url, '--watch', '200ms'])
    const stamps = () => watching.stdout().match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z {2}\(every 200ms; Ctrl-C to stop\)$/gm) ?? []
    await waitFor('three refreshes', () => stamps().length >= 3, 20_000)
    watching.child.kill('SIGINT')
    const {code} = await watching.exited
    expect(code, watching.stderr()).toBe(0)
    // Appended, not redrawn: no cursor movement, one table per timestamp.
    expect(watching.stdout()).not.toContain('\u001b[')
    expect(watching.stdout().match(/^│ jobs +│ +0 │/gm)).toHaveLength(stamps().length)
  })
})
