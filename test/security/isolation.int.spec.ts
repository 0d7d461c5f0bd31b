// Attack table, row 1: tenant B reaching tenant A's job by id, by list filter, by results, by CSV and
// by the SSE stream's session gets 404 or nothing; and the database itself refuses: a query run with
// RLS on and the tenant filter removed returns no row of another tenant.
import { authorize, verifySession } from '@zixly/auth'
import { withTenant } from '@zixly/platform'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { seed, world, type Tenant, type World } from './world.ts'

let w: World
let a: Tenant
let b: Tenant
let jobA: string
/** Text only tenant A's job holds. */
const MARKER = 'tenant-a-only-marker'

beforeAll(async () => {
  w = await world('isolation')
  a = await w.tenant('tenant_a')
  b = await w.tenant('tenant_b')
  jobA = await w.job(a.id)
  await w.env.pool.query(`UPDATE pipeline_jobs SET error_message = $2 WHERE id = $1`, [jobA, MARKER])
})
afterAll(async () => w?.cleanup())

const get = (url: string, headers: Record<string, string>) => w.app.inject({ method: 'GET', url, headers })

describe("tenant B reaching tenant A's job", () => {
  it('A itself reads its job and results (the control)', async () => {
    expect((await get(`/webhook/jobs/${jobA}`, a.as('VIEWER'))).statusCode).toBe(200)
    const page = (await get(`/webhook/jobs/${jobA}/results`, a.as('VIEWER'))).json()
    expect(page.total_count).toBe(1)
  })

  it('by id: 404, with nothing of the job in the answer', async () => {
    const res = await get(`/webhook/jobs/${jobA}`, b.as('ADMIN'))
    expect(res.statusCode).toBe(404)
    expect(res.body).not.toContain(MARKER)
    expect(res.body).not.toContain(a.id)
  })

  it('by results: 404', async () => {
    const res = await get(`/webhook/jobs/${jobA}/results?limit=10`, b.as('ADMIN'))
    expect(res.statusCode).toBe(404)
    expect(res.body).not.toContain('sharpe')
  })

  it('by id while the job is accepted but not yet projected (read from the log): 404', async () => {
    const posted = await w.app.inject({ method: 'POST', url: '/webhook/trading-sweep', headers: { ...a.as('EDITOR'), 'content-type': 'application/json' }, payload: seed })
    expect(posted.statusCode).toBe(202)
    const id = posted.json().job_id as string
    expect((await get(`/webhook/jobs/${id}`, a.as('VIEWER'))).statusCode).toBe(202)
    expect((await get(`/webhook/jobs/${id}`, b.as('ADMIN'))).statusCode).toBe(404)
  })

  it('by list filter: A’s list shows the job, B’s (filtered by its ticker or id) never does', async () => {
    expect((await get('/api/jobs?limit=50', a.as('VIEWER'))).body).toContain(jobA)
    for (const q of ['ticker=BTC-USD', `q=${jobA}`, 'status=COMPLETED', '']) {
      const res = await get(`/api/jobs?${q}`, b.as('ADMIN'))
      expect(res.statusCode).toBe(200)
      expect(res.body).not.toContain(jobA)
    }
  })

  it('by CSV: A downloads its rows, B gets 404', async () => {
    const mine = await get(`/webhook/jobs/${jobA}/results.csv`, a.as('VIEWER'))
    expect(mine.statusCode).toBe(200)
    expect(mine.body.trim().split('\n')).toHaveLength(2)
    const theirs = await get(`/webhook/jobs/${jobA}/results.csv`, b.as('ADMIN'))
    expect(theirs.statusCode).toBe(404)
    expect(theirs.body).not.toContain('fast_period')
  })

  it('by every other job route ingest has (timeline, counts, stats, changes, …): never A’s data', async () => {
    const jobRoutes = w.app.securedRoutes().filter((r) => r.method === 'GET' && r.permission === 'jobs:read')
    expect(jobRoutes.length).toBeGreaterThanOrEqual(2)
    for (const r of jobRoutes) {
      const url = r.url.replace(':id', jobA) + (r.url.includes('?') ? '&' : '?') + `ticker=BTC-USD&q=${jobA}&job_id=${jobA}`
      const res = await get(url, b.as('ADMIN'))
      expect([200, 202, 204, 400, 404], `${r.url} answered ${res.statusCode}`).toContain(res.statusCode)
      expect(res.body, `${r.url} leaked tenant A's job`).not.toContain(MARKER)
      if (res.statusCode < 300) expect(res.body, `${r.url} listed tenant A's job`).not.toContain(jobA)
    }
  })

  it("by the SSE stream's session: the dashboard's verifySession gives B's tenant only", async () => {
    const u = await w.user(b.id, 'VIEWER')
    const login = await w.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: u.email, password: u.password } })
    expect(login.statusCode, login.body).toBe(200)
    const cookie = String(login.headers['set-cookie']).split(';')[0]!
    const who = await verifySession(w.env.redis, w.env.namespace, cookie)
    expect(who).toMatchObject({ tenant_id: b.id, role: 'VIEWER' })
    expect(authorize(who!, 'jobs:read')).toBe(true)
    // The stream is fed by the projector's notices on the tenant's own subject; B's subject is not A's.
    expect(w.env.names.changesSubject(who!.tenant_id)).not.toBe(w.env.names.changesSubject(a.id))
  })
})

describe('row-level security with the tenant filter removed', () => {
  const tables = ['pipeline_jobs', 'job_attempts', 'trading_sweep_results', 'job_events', 'users', 'api_keys', 'tenant_settings', 'tenants']

  it.each(tables)('SELECT * FROM %s as tenant B returns no row of tenant A', async (table) => {
    const rows = await withTenant(w.env.pool, b.id, async (c) => (await c.query(`SELECT * FROM ${table}`)).rows as Array<Record<string, unknown>>)
    const tenantOf = (r: Record<string, unknown>) => r.tenant_id ?? r.id
    expect(rows.filter((r) => tenantOf(r) === a.id || r.job_id === jobA)).toEqual([])
  })

  it("as tenant A the same query finds A's rows (the policy filters, it does not just hide everything)", async () => {
    const n = await withTenant(w.env.pool, a.id, async (c) => (await c.query(`SELECT count(*)::int AS n FROM trading_sweep_results`)).rows[0].n)
    expect(n).toBe(1)
  })

  it('the application role without a tenant sees nothing, and cannot write a row for another tenant', async () => {
    const c = await w.env.pool.connect()
    try {
      await c.query('BEGIN')
      await c.query(`SET LOCAL ROLE zixly_app`)
      expect((await c.query('SELECT count(*)::int AS n FROM pipeline_jobs')).rows[0].n).toBe(0)
      await c.query(`SELECT set_config('app.tenant_id', $1, true)`, [b.id])
      await expect(c.query(`INSERT INTO users (id, tenant_id, email, role) VALUES (gen_random_uuid(), $1, 'x@evil.test', 'ADMIN')`, [a.id])).rejects.toThrow(
        /row-level security/,
      )
    } finally {
      await c.query('ROLLBACK')
      c.release()
    }
  })

  it('the application role has neither BYPASSRLS nor superuser', async () => {
    const r = await w.env.pool.query(`SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = 'zixly_app'`)
    expect(r.rows).toEqual([{ rolsuper: false, rolbypassrls: false }])
  })
})
