import { createConnection, createServer, type Socket } from 'node:net'

/**
 * A TCP proxy this test owns, between a service and a dependency. `cut()` drops every connection
 * and refuses new ones (the dependency looks unreachable); `restore()` lets them through again.
 */
export async function tcpProxy(target: { host: string; port: number }) {
  let open = true
  const sockets = new Set<Socket>()
  const server = createServer((client) => {
    if (!open) {
      client.destroy()
      return
    }
    const upstream = createConnection(target)
    for (const s of [client, upstream]) {
      sockets.add(s)
      s.on('close', () => sockets.delete(s))
      s.on('error', () => {
        client.destroy()
        upstream.destroy()
      })
    }
    client.pipe(upstream)
    upstream.pipe(client)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const a = server.address()
  const port = typeof a === 'object' && a ? a.port : 0
  return {
    port,
    /** Drops every open connection and refuses new ones until `restore()`. */
    cut() {
      open = false
      for (const s of sockets) s.destroy()
    },
    restore() {
      open = true
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
  }
}
