/**
 * The connection pooler's port. Heroku's pooler (PgBouncer) runs on the database's own server, on
 * another port; here a plain TCP relay on a second loopback port forwards to the PostgreSQL server,
 * so a `connection-pooling:default` attachment's URL really connects (same host, other port, same
 * database and credentials). It does not pool.
 */

import net from 'node:net'

export interface Pooler {
  close(): Promise<void>
  readonly port: number
}

export async function startPooler(targetPort: number, port = 0): Promise<Pooler> {
  const sockets = new Set<net.Socket>()
  const server = net.createServer(client => {
    const upstream = net.connect(targetPort, '127.0.0.1')
    for (const socket of [client, upstream]) {
      sockets.add(socket)
      socket.on('close', () => sockets.delete(socket))
      // one side failing ends both; the client sees its connection drop, as with a pooler restart
      socket.on('error', () => {
        client.destroy()
        upstream.destroy()
      })
    }

    client.pipe(upstream).pipe(client)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => resolve())
  })
  const address = server.address()
  if (!address || typeof address === 'string') throw new Error('the pooler has no TCP address')
  return {
    async close() {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>(resolve => {
        server.close(() => resolve())
      })
    },
    port: address.port,
  }
}
