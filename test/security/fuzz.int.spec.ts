// Attack table, row 5: at least 10,000 random and mutated requests — bodies, headers and paths:
// oversized, deeply nested, wrong types, unicode edge cases, SQL and path-traversal strings in every
// field including the ticker. No 5xx, no crash, no event appended for any invalid input, and /ready
// still answers. Seeded, so a failure replays exactly (FUZZ_SEED=<n>).
import { SweepRequestBody } from '@zixly/contracts'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { seed, world, type Tenant, type World } from './world.ts'

const LEAKS = /\bat .+\.[jt]s:\d+|node_modules|syntax error at or near|relation "|violates .* constraint|current_setting/
const TOTAL = Number(process.env.FUZZ_REQUESTS ?? 10_000)
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_126)

let w: World
let t: Tenant
beforeAll(async () => {
  w = await world('fuzz')
  t = await w.tenant('fuzzed')
})
afterAll(async () => w?.cleanup())

/** mulberry32: small, fast, seedable. */
function prng(s: number) {
  return () => {
    s = (s + 0x6d2b79f5) | 0
    let x = Math.imul(s ^ (s >>> 15), 1 | s)
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
}
const rand = prng(SEED)
const int = (n: number) => Math.floor(rand() * n)
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!

const NASTY_STRINGS = [
  "' OR '1'='1", "'; DROP TABLE pipeline_jobs; --", '1; SELECT pg_sleep(10)', '" UNION SELECT * FROM api_keys --', "admin'--",
  '../../../../etc/passwd', '..%2f..%2f..%2fetc%2fpasswd', '..\\..\\windows\\system32', '/dev/zero', 'file:///etc/shadow',
  '\u0000', '\uFFFF', '\uD800', '\uDC00x', '\u202Eusd-ctb', '\u200B', 'ＢＴＣ－ＵＳＤ', 'BTC\u0301-USD', '🚀🌕', 'İ', 'ß'.repeat(300),
  '${jndi:ldap://x/a}', '{{7*7}}', '<script>alert(1)</script>', '%00', '%s%s%s%n', 'null', 'undefined', 'NaN', '__proto__', 'constructor',
  'A'.repeat(70_000), '', ' ', '\n', 'BTC-USD\r\nX-Injected: 1', 'zixly.evt.other.sweep.>', '*', '>',
]
const NASTY_VALUES: unknown[] = [
  ...NASTY_STRINGS, null, true, false, 0, -1, -0, 1.5, 1e308, -1e308, 2 ** 53 + 1, [], {}, [1], [1, 2, 3], [[1, 2], [3, 4]],
  { $gt: '' }, { __proto__: { admin: true } }, ['10', '20'], [20, 10], [1e9, 1e9 + 1], [-5, 5],
]
const FIELDS = [...Object.keys(seed), 'min_trades', 'signal_period', 'interval', 'start', 'end', 'fee', 'init_cash', 'ann_factor', 'priority', 'max_attempts', 'timeout_seconds', 'callback_url', "'; --", '__proto__', '']
const GOOD_VALUES: Record<string, unknown[]> = {
  ticker: ['BTC-USD', 'ETH-USD', 'AAPL', '^GSPC', 'EURUSD=X'],
  step: [1, 2, 5, 10],
  strategy_type: ['SMA', 'EMA', 'MACD'],
  priority: [0, 5, 9],
  min_trades: [0, 10, 50],
  interval: ['1d', '1h'],
}

function nested(depth: number): string {
  return pick(['[', '{"a":']).repeat(0) + (rand() < 0.5 ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth))
}
function randomJson(depth = 0): unknown {
  const r = rand()
  if (depth > 4 || r < 0.4) return pick(NASTY_VALUES)
  if (r < 0.7) return Array.from({ length: int(4) }, () => randomJson(depth + 1))
  return Object.fromEntries(Array.from({ length: int(5) }, () => [pick(FIELDS), randomJson(depth + 1)]))
}

/** A request body: mostly the seed with a few fields changed, sometimes anything at all. */
function body(): string | undefined {
  const r = rand()
  if (r < 0.55) {
    const b: Record<string, unknown> = { ...seed }
    for (let k = 1 + int(3); k > 0; k--) {
      const f = pick(FIELDS)
      if (rand() < 0.15) delete b[f]
      else b[f] = rand() < 0.3 && GOOD_VALUES[f] ? pick(GOOD_VALUES[f]) : pick(NASTY_VALUES)
    }
    return JSON.stringify(b)
  }
  if (r < 0.7) return JSON.stringify(randomJson())
  if (r < 0.8) return nested(10 + int(rand() < 0.1 ? 5000 : 60))
  if (r < 0.88) return JSON.stringify(seed).slice(0, int(80))
  if (r < 0.9) return 'x'.repeat(60_000 + int(20_000))
  if (r < 0.95) return Array.from({ length: int(200) }, () => String.fromCharCode(int(0x10000))).join('')
  return undefined
}

const PATHS = [
  '/webhook/trading-sweep', '/webhook/trading-sweep', '/webhook/trading-sweep', '/webhook/trading-sweep', '/webhook/jobs/:id', '/webhook/jobs/:id/results',
  '/webhook/jobs/:id/results.csv', '/api/jobs', '/api/jobs/counts', '/api/jobs/:id/timeline', '/api/stats', '/api/keys', '/api/users', '/api/settings',
  '/api/auth/me', '/webhook/sweep-callback', '/health', '/ready', '/metrics', '/openapi.json', '/', '/webhook', '/webhook/jobs/',
]
/** Percent-encoded (lone surrogates made well-formed first: a URL cannot carry them). */
const enc = (s: string) => {
  try {
    return encodeURIComponent(s)
  } catch {
    return encodeURIComponent(s.replace(/[\uD800-\uDFFF]/g, '\uFFFD'))
  }
}

function path(): string {
  let p = pick(PATHS).replace(':id', rand() < 0.3 ? '4f0c3c7e-1111-4111-8111-111111111111' : enc(pick(NASTY_STRINGS).slice(0, 300)))
  if (rand() < 0.15) p = pick(['/../../etc/passwd', '/webhook/%2e%2e/%2e%2e/etc/passwd', '/webhook/jobs/..%2f..%2f', '//webhook//trading-sweep', '/WEBHOOK/TRADING-SWEEP', '/webhook/trading-sweep/', '/webhook/trading-sweep%00', '/%F0%9F%9A%80', '/webhook/jobs/%E0%A4%A', '/webhook/jobs/%', '/' + 'a'.repeat(3000)])
  if (rand() < 0.3) {
    const k = pick(['sort', 'order', 'limit', 'offset', 'status', 'ticker', 'cursor', 'q', 'since', "x'--"])
    p += `?${k}=${enc(pick(NASTY_STRINGS).slice(0, 500))}`
  }
  return p
}

function headers(good: string): Record<string, string> {
  const h: Record<string, string> = {}
  const r = rand()
  if (r < 0.8) h['x-api-key'] = good
  else if (r < 0.85) h['x-api-key'] = pick(NASTY_STRINGS).slice(0, 200).replace(/[^\x20-\x7e]/g, '?')
  else if (r < 0.9) h.authorization = pick(['Bearer ', 'Bearer a.b.c', 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.', 'Basic Og==', `Bearer ${good}x`])
  else if (r < 0.95) h.cookie = pick(['zixly_session=', `zixly_session=${'A'.repeat(43)}`, 'zixly_session=../../x', 'a=b; zixly_session="x"'])
  if (rand() < 0.9) h['content-type'] = rand() < 0.85 ? 'application/json' : pick(['text/plain', 'application/json; charset=utf-16', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=latin1', 'application/jsonx', '*/*'])
  if (rand() < 0.2) h['idempotency-key'] = pick(['k-' + int(20), 'x'.repeat(300), "'; DROP TABLE x; --", '../../'])
  if (rand() < 0.1) h['x-zixly-signature'] = pick(['t=0,v1=00', 't=99999999999,v1=' + 'a'.repeat(64), 'garbage', 'v1=,t=,'])
  if (rand() < 0.05) h['x-request-id'] = pick(NASTY_STRINGS).slice(0, 100).replace(/[^\x20-\x7e]/g, '?')
  return h
}

it(`survives ${TOTAL} random and mutated requests: no 5xx, nothing appended for invalid input, still ready`, async () => {
  const good = t.keys.EDITOR
  const before = await w.events()
  const statuses = new Map<number, number>()
  const serverErrors: string[] = []
  const invalidAccepted: string[] = []
  let appended = 0
  let sent = 0
  for (let i = 0; i < TOTAL; i += 25) {
    const batch = Array.from({ length: Math.min(25, TOTAL - i) }, () => {
      const method = rand() < 0.75 ? 'POST' : pick(['GET', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const)
      return { method, url: path(), headers: headers(good), payload: method === 'GET' || method === 'HEAD' ? undefined : body() }
    })
    const answers = await Promise.all(
      batch.map((r) => w.app.inject({ method: r.method as 'POST', url: r.url, headers: r.headers, ...(r.payload === undefined ? {} : { payload: r.payload }) })),
    )
    answers.forEach((res, j) => {
      const r = batch[j]!
      sent++
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1)
      if (res.statusCode >= 500) serverErrors.push(`${r.method} ${r.url.slice(0, 80)} → ${res.statusCode} ${res.body.slice(0, 200)}`)
      // No stack trace and no database error text in any answer (the URL echoed in `instance` aside).
      if (res.statusCode >= 400) expect(res.body.replace(/"instance":"[^"]*"/, '')).not.toMatch(LEAKS)
      if (r.url.split('?')[0] === '/webhook/trading-sweep' && r.method === 'POST' && res.statusCode === 202) {
        let parsed = false
        try {
          parsed = SweepRequestBody.safeParse(JSON.parse(r.payload ?? '')).success
        } catch {
          parsed = false
        }
        if (!parsed) invalidAccepted.push(String(r.payload).slice(0, 200))
        if (res.headers['idempotent-replayed'] !== 'true') appended++
      }
    })
  }
  expect(sent).toBeGreaterThanOrEqual(10_000 > TOTAL ? TOTAL : 10_000)
  expect(serverErrors).toEqual([])
  expect(invalidAccepted).toEqual([])
  // Every event in the log is one a valid request was told about (202), and nothing else got in.
  expect(await w.events()).toBe(before + appended)
  // The run exercised the paths it claims to: refusals of every kind, and some valid sweeps.
  for (const code of [202, 400, 401, 404]) expect(statuses.get(code) ?? 0, `no ${code} answers: ${JSON.stringify([...statuses])}`).toBeGreaterThan(0)
  expect((statuses.get(413) ?? 0) + (statuses.get(400) ?? 0)).toBeGreaterThan(TOTAL / 10)
  const ready = await w.app.inject({ method: 'GET', url: '/ready' })
  expect(ready.statusCode).toBe(200)
}, 120_000)
