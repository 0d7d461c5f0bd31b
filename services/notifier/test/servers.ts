import http from 'node:http'
import { SMTPServer } from 'smtp-server'
import { simpleParser, type ParsedMail } from 'mailparser'

/** A real SMTP server on an ephemeral port that keeps every message it accepts, parsed. */
export async function startSmtp() {
  const messages: ParsedMail[] = []
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((m) => {
          messages.push(m)
          callback()
        })
        .catch((err: Error) => callback(err))
    },
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const address = server.server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  return { port, messages, close: () => new Promise<void>((resolve) => server.close(() => resolve())) }
}

export interface Captured {
  path: string
  headers: http.IncomingHttpHeaders
  body: string
}

/**
 * An HTTP server standing in for Slack and for clients' callback endpoints. Every request is kept;
 * `respond(path, nth)` picks the status (nth counts requests to that path from 1).
 */
export async function startHttp(
  respond: (path: string, nth: number) => number | { status: number; delayMs: number } = () => 200,
) {
  const requests: Captured[] = []
  const counts = new Map<string, number>()
  const server = http.createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => (body += c.toString()))
    req.on('end', () => {
      const path = req.url ?? '/'
      const nth = (counts.get(path) ?? 0) + 1
      counts.set(path, nth)
      requests.push({ path, headers: req.headers, body })
      const r = respond(path, nth)
      const { status, delayMs } = typeof r === 'number' ? { status: r, delayMs: 0 } : r
      setTimeout(
        () => res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'no'),
        delayMs,
      )
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    to: (path: string) => requests.filter((r) => r.path === path),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
