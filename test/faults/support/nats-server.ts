import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createConnection } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from '../../support/net.ts'

const BINARY = process.env.NATS_SERVER_BIN ?? '/usr/sbin/nats-server'

export { freePort }

async function accepting(port: number, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = createConnection({ port, host: '127.0.0.1' })
      c.once('connect', () => (c.destroy(), resolve(true)))
      c.once('error', () => resolve(false))
    })
    if (ok) return
    if (Date.now() > until) throw new Error(`nats-server did not listen on ${port} within ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/**
 * A nats-server with JetStream that this test owns: its own port and store directory, so the test
 * can kill and restart it without touching the shared server. The store survives restarts.
 */
export async function ownNatsServer() {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'zixly-nats-'))
  let proc: ChildProcess | null = null
  let exited: Promise<void> = Promise.resolve()
  const start = async () => {
    const p = spawn(BINARY, ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', dir], { stdio: 'ignore' })
    proc = p
    exited = new Promise((r) => p.once('exit', () => r()))
    await accepting(port, 10_000)
  }
  await start()
  return {
    url: `nats://127.0.0.1:${port}`,
    /** Kills the server (SIGKILL by default: no clean shutdown), waits for it to exit, starts it again. */
    async restart(signal: NodeJS.Signals = 'SIGKILL', downMs = 0) {
      proc?.kill(signal)
      await exited
      if (downMs > 0) await new Promise((r) => setTimeout(r, downMs))
      await start()
    },
    async stop() {
      proc?.kill('SIGTERM')
      await exited
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
