import http from 'node:http'
import type { Registry } from 'prom-client'

/** A named readiness check; resolves when the dependency answers. */
export type Check = { name: string; check: () => Promise<unknown> }

/** Runs every check with a timeout; a check's failure is reported, never thrown. */
export async function runChecks(checks: Check[], timeoutMs = 2000) {
  const results: Record<string, { ok: boolean; detail?: string }> = {}
  await Promise.all(
    checks.map(async (c) => {
      let t: NodeJS.Timeout | undefined
      try {
        await Promise.race([
          c.check(),
          new Promise((_, rej) => {
            t = setTimeout(() => rej(new Error('timed out')), timeoutMs)
          }),
        ])
        results[c.name] = { ok: true }
      } catch (err) {
        results[c.name] = { ok: false, detail: err instanceof Error ? err.message : String(err) }
      } finally {
        clearTimeout(t)
      }
    }),
  )
  const ready = Object.values(results).every((r) => r.ok)
  return { status: ready ? ('ready' as const) : ('not_ready' as const), checks: results }
}

/**
 * `/health`, `/ready` and `/metrics` for services without an HTTP API of their own.
 * Listens on 127.0.0.1 unless `host` says otherwise.
 */
export async function startHealthServer(opts: {
  port: number
  host?: string
  registry: Registry
  checks: Check[]
}): Promise<{ port: number; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    void (async () => {
      if (req.url === '/health') {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}')
      } else if (req.url === '/ready') {
        const r = await runChecks(opts.checks)
        res.writeHead(r.status === 'ready' ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(r))
      } else if (req.url === '/metrics') {
        res.writeHead(200, { 'content-type': opts.registry.contentType }).end(await opts.registry.metrics())
      } else {
        res.writeHead(404, { 'content-type': 'application/problem+json' }).end(
          JSON.stringify({ type: 'about:blank', title: 'Not Found', status: 404, code: 'NOT_FOUND' }),
        )
      }
    })().catch(() => res.writeHead(500).end())
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port, opts.host ?? '127.0.0.1', () => resolve())
  })
  const address = server.address()
  return {
    port: typeof address === 'object' && address ? address.port : opts.port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
