import { createServer } from 'node:net'

/**
 * A free TCP port on the loopback: the OS picks one, the probe closes, the caller binds it. The gap
 * between the two is a race only with other processes binding port 0 at that moment, which the tests
 * and benches accept.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const a = s.address()
      const port = typeof a === 'object' && a ? a.port : 0
      s.close(() => resolve(port))
    })
  })
}
