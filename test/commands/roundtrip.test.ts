// Cross-process round trips through the real CLI: declare → publish from stdin → inspect the depth
// → consume --count 3 (exactly 3 leave, the rest stay) → consume the rest → nothing left.
import {afterAll, describe, expect, it} from 'vitest'
import {runCli} from '../helpers/cli.js'
import {uniqueName, waitFor} from '../helpers/brokers.js'
import {CLI_BACKENDS, type CliBackend} from './backends.js'

async function ready(backend: CliBackend, queue: string): Promise<{ready: number; inFlight: number}> {
  const {code, stdout, stderr} = await runCli(['inspect', queue, '--url', backend.url, ...backend.inspectArgs(queue), '--json'])
  expect(code, stderr).toBe(0)
  const [stats] = JSON.parse(stdout).queues
  return {ready: stats.ready, inFlight: stats.inFlight}
}

// Probed before collection so skipIf can use them; the backends then run concurrently.
const enabledByName = new Map(await Promise.all(CLI_BACKENDS.map(async (b) => [b.name, await b.available()] as const)))

describe.concurrent.each(CLI_BACKENDS)('round trip on $name', (backend) => {
  {
    const enabled = enabledByName.get(backend.name) === true
    const queue = uniqueName(`rt-${backend.name}`)
    const cli = (args: string[], input?: string) => runCli([...args, '--url', backend.url], {input, timeoutMs: 45_000})

    afterAll(async () => {
      if (enabled) await cli(['delete', queue, '--if-exists'])
    })

    it.skipIf(!enabled)('declare, publish 10 from stdin, take 3, then the other 7, then none', async () => {
      const declared = await cli(['declare', queue, ...backend.declareArgs, '--json'])
      expect(declared.code, declared.stderr).toBe(0)
      expect(JSON.parse(declared.stdout)).toMatchObject({kind: 'queue', name: queue, created: true})
      const again = await cli(['declare', queue, ...backend.declareArgs])
      expect(again.stdout).toContain('already existed')

      const lines = Array.from({length: 10}, (_, i) => `m${i + 1}`)
      const published = await cli(['publish', queue, '--json'], `${lines.join('\n')}\n`)
      expect(published.code, published.stderr).toBe(0)
      const result = JSON.parse(published.stdout)
      expect(result).toMatchObject({confirmed: 10, failed: {nacked: 0, unroutable: 0, rejected: 0}})
      expect(Object.keys(result).sort()).toEqual(['confirmed', 'elapsedMs', 'failed', 'ratePerSec'])
      expect(published.stderr).toContain('10 confirmed')

      await waitFor('10 ready', async () => (await ready(backend, queue)).ready === 10, 20_000, 200)

      const firstThree = await cli(['consume', queue, '--count', '3', ...backend.consumeArgs(queue)])
      expect(firstThree.code, firstThree.stderr).toBe(0)
      expect(firstThree.stdout).toBe('m1\nm2\nm3\n')
      expect(firstThree.stderr).toMatch(/3 messages/)

      await waitFor(
        '7 ready, none in flight',
        async () => {
          const stats = await ready(backend, queue)
          return stats.ready === 7 && stats.inFlight === 0
        },
        20_000,
        200,
      )

      const rest = await cli(['consume', queue, '--idle-timeout', '3s', '--json', ...backend.consumeArgs(queue)])
      expect(rest.code, rest.stderr).toBe(0)
      const records = rest.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line))
      expect(records.map((r) => r.body)).toEqual(lines.slice(3))
      // m4 and m5 may be redelivered: acking m1 and m2 freed prefetch credit before --count was reached,
      // so they came as extras and were returned.
      expect(records[0]).toMatchObject({queue, headers: {}})
      expect(records[0]).toHaveProperty('key')
      expect(records[0].deliveryCount).toBeGreaterThanOrEqual(1)

      await waitFor('0 ready', async () => (await ready(backend, queue)).ready === 0, 20_000, 200)

      // Fewer than --count before the idle timeout: exit 4, after writing what arrived (nothing).
      const none = await cli(['consume', queue, '--count', '1', '--idle-timeout', '1s', ...backend.consumeArgs(queue)])
      expect(none.code).toBe(4)
      expect(none.stdout).toBe('')
      expect(none.stderr).toMatch(/only 0 of 1/)
    })
  }
})
