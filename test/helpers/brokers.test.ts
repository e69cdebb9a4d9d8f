// The private-broker port picker: a port a broker binds seconds later must not be one the suite's
// own outgoing connections can take meanwhile (their source ports come from the ephemeral range).
import {readFileSync} from 'node:fs'
import net from 'node:net'
import {describe, expect, it} from 'vitest'
import {freePort} from './brokers.js'

describe('freePort', () => {
  it('gives listenable ports below the kernel range for outgoing connections', async () => {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0])
    const ports = await Promise.all(Array.from({length: 5}, () => freePort()))
    for (const port of ports) {
      expect(port).toBeGreaterThanOrEqual(1024)
      expect(port).toBeLessThan(low)
      const server = net.createServer()
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject)
        server.listen(port, '127.0.0.1', () => resolve())
      })
      await new Promise((resolve) => server.close(resolve))
    }
  })
})
