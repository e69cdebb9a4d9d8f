// A broker that hangs: a loopback TCP server that accepts every connection and never sends a
// byte. Connecting succeeds; the protocol handshake waits forever, so only a client's own
// connect timeout ends it. (A refused port, such as 1, fails at once and cannot show that.)
import net from 'node:net'

export interface SilentServer {
  port: number
  /** Connections accepted so far. */
  accepted(): number
  close(): Promise<void>
}

export async function silentServer(): Promise<SilentServer> {
  const sockets = new Set<net.Socket>()
  let accepted = 0
  const server = net.createServer((socket) => {
    accepted++
    sockets.add(socket)
    socket.on('error', () => {})
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  return {
    port: (server.address() as net.AddressInfo).port,
    accepted: () => accepted,
    async close() {
      for (const socket of sockets) socket.destroy()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}
