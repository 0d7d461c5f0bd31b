// The safety net under row 1: every table of a freshly migrated schema that holds a tenant_id has
// row-level security enabled and forced, with a policy. A migration that adds a tenant table without
// `SELECT zixly_protect_tenant_table('…')` fails here, whoever wrote it.
import { afterAll, beforeAll, expect, it } from 'vitest'
import { isolatedEnv, type TestEnv } from '../support/env.ts'

let env: TestEnv
beforeAll(async () => {
  env = await isolatedEnv('rlscover')
})
afterAll(async () => env?.cleanup())

it('every tenant table of the schema has forced row-level security and a policy', async () => {
  const r = await env.pool.query<{ table: string; enabled: boolean; forced: boolean; policies: number }>(
    `SELECT c.relname AS table, c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced,
            (SELECT count(*)::int FROM pg_policy p WHERE p.polrelid = c.oid) AS policies
     FROM pg_class c
     WHERE c.relnamespace = $1::regnamespace AND c.relkind IN ('r', 'p')
       AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)
     ORDER BY 1`,
    [env.schema],
  )
  expect(r.rows.map((t) => t.table)).toEqual(expect.arrayContaining(['pipeline_jobs', 'trading_sweep_results', 'job_events', 'users', 'api_keys']))
  const unprotected = r.rows.filter((t) => !t.enabled || !t.forced || t.policies === 0).map((t) => t.table)
  expect(unprotected, 'tenant tables without forced RLS: end their migration with SELECT zixly_protect_tenant_table(...)').toEqual([])
})
