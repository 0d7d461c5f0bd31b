// Docker HEALTHCHECK of every Zixly image: GET /health on the service's own port, with node's fetch
// so the image needs no curl. Port: ZIXLY_HEALTH_PORT, else the one the image was built for.
// Exit 0 = healthy, 1 = unhealthy (what Docker expects).
'use strict'
const { readFileSync } = require('node:fs')

function port() {
  if (process.env.ZIXLY_HEALTH_PORT) return process.env.ZIXLY_HEALTH_PORT
  try {
    return readFileSync(process.env.ZIXLY_PORT_FILE || '/etc/zixly/port', 'utf8').trim()
  } catch {
    return ''
  }
}

const p = port()
if (!/^\d+$/.test(p)) {
  process.stderr.write('healthcheck: no port (set ZIXLY_HEALTH_PORT)\n')
  process.exit(1)
}
const host = process.env.ZIXLY_HEALTH_HOST || '127.0.0.1'
fetch(`http://${host}:${p}/health`, {
  signal: AbortSignal.timeout(Number(process.env.ZIXLY_HEALTH_TIMEOUT_MS || 4000)),
}).then(
  (res) => {
    process.stdout.write(`GET /health ${res.status}\n`)
    process.exit(res.ok ? 0 : 1)
  },
  (err) => {
    process.stderr.write(
      `GET /health failed: ${err && err.cause ? err.cause.code || err.cause.message : err}\n`,
    )
    process.exit(1)
  },
)
