import { readFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { DEFAULT_PRICES_DIR } from '../src/index.ts'

/** The SOURCES.md table of the bundled pack: file → rows, first and last date. */
export function sourcesTable(): Array<{ file: string; rows: number; first: string; last: string }> {
  const md = readFileSync(join(DEFAULT_PRICES_DIR, 'SOURCES.md'), 'utf8')
  const out = []
  for (const line of md.split('\n')) {
    const m = /^\| ([A-Za-z0-9_=.-]+\.csv)[^|]*\| ([\d,]+) \| ([\d: -]+?) \| ([\d: -]+?) \|/.exec(line)
    if (m) out.push({ file: m[1] as string, rows: Number((m[2] as string).replace(/,/g, '')), first: m[3] as string, last: m[4] as string })
  }
  return out
}

/** A plain static file server over a folder, recording the paths asked for. */
export async function startStaticServer(dir: string, opts: { failWith?: number } = {}) {
  const requests: string[] = []
  const server = http.createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)
    requests.push(path)
    if (opts.failWith) return void res.writeHead(opts.failWith).end('broken')
    const name = path.replace(/^\/prices\//, '')
    if (name.includes('/') || !path.startsWith('/prices/')) return void res.writeHead(404).end()
    readFile(join(dir, name)).then(
      (buf) => res.writeHead(200, { 'content-type': 'text/plain' }).end(buf),
      () => res.writeHead(404).end('not found'),
    )
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    baseUrl: `http://127.0.0.1:${port}/prices/`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
