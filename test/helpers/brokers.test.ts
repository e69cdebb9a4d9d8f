// The private-broker port picker: a port a broker binds seconds later must not be one the suite's
// own outgoing connections can take meanwhile (their source ports come from the ephemeral range).
// The broker probe: it checks the address of the URL the tests will use, and fails under CI.
import {readFileSync} from 'node:fs'
import net from 'node:net'
import {describe, expect, it, vi} from 'vitest'
import {brokerAddress, brokerAvailable, freePort, managementAddress} from './brokers.js'

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

describe('the broker probe', () => {
  it("takes the address from the URL the tests use, with each scheme's default port", () => {
    expect(brokerAddress('amqp://guest:guest@127.0.0.1:5672')).toEqual({host: '127.0.0.1', port: 5672})
    expect(brokerAddress('amqp://u:p%40ss@rabbit.example:5673/vhost?heartbeat=5')).toEqual({host: 'rabbit.example', port: 5673})
    expect(brokerAddress('amqp://localhost')).toEqual({host: 'localhost', port: 5672})
    expect(brokerAddress('amqps://h')).toEqual({host: 'h', port: 5671})
    expect(brokerAddress('kafka://127.0.0.1:19092,127.0.0.1:19093?clientId=x')).toEqual({host: '127.0.0.1', port: 19092})
    expect(brokerAddress('kafka://mqkit:secret@127.0.0.1:9094?sasl=plain')).toEqual({host: '127.0.0.1', port: 9094})
    expect(brokerAddress('kafka://k1')).toEqual({host: 'k1', port: 9092})
    expect(brokerAddress('amqp://[::1]:5680')).toEqual({host: '::1', port: 5680})
  })

  it('finds the management API where the amqp driver looks for it', () => {
    expect(managementAddress('amqp://guest:guest@127.0.0.1:5672')).toEqual({host: '127.0.0.1', port: 15672, baseUrl: 'http://127.0.0.1:15672'})
    expect(managementAddress('amqp://g:g@10.0.0.9:5680')).toBeUndefined() // another node's port: not guessed
    expect(managementAddress('amqp://g:g@h:5680?mgmt=http://u:p@m:8080')).toEqual({host: 'm', port: 8080, baseUrl: 'http://m:8080'})
    expect(managementAddress('amqp://g:g@h:5672?mgmt=off')).toBeUndefined()
  })

  it('probes that address: reachable is true; unreachable is a skip with a note, or under CI a failure', async () => {
    const server = net.createServer((socket) => socket.destroy())
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const {port} = server.address() as net.AddressInfo
    try {
      // A broker on a port other than 5672 / 9092: only probing the URL finds it.
      expect(await brokerAvailable('RabbitMQ', `amqp://guest:guest@127.0.0.1:${port}`, false)).toBe(true)
      expect(await brokerAvailable('Kafka', `kafka://127.0.0.1:${port}`, true)).toBe(true)
    } finally {
      await new Promise((resolve) => server.close(resolve))
    }
    const note = vi.spyOn(process.stderr, 'write').mockImplementation(() => true)
    try {
      expect(await brokerAvailable('Kafka', `kafka://127.0.0.1:${port}`, false)).toBe(false)
      expect(note).toHaveBeenCalledWith(expect.stringContaining(`[skip] Kafka broker not reachable at 127.0.0.1:${port}`))
    } finally {
      note.mockRestore()
    }
    await expect(brokerAvailable('Kafka', `kafka://127.0.0.1:${port}`, true)).rejects.toThrow(/CI=true: broker tests must not be skipped/)
  })
})
