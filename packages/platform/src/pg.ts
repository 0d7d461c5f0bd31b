import pg from 'pg'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { DependencyUnavailable } from './errors.ts'
import { where } from './config.ts'

export type Pool = pg.Pool
export type PoolClient = pg.PoolClient

/** A pool whose connections use `schema` as their search path; fails with one line when Postgres is unreachable. */
export async function connectPg(url: string, schema: string, opts: { max?: number; name?: string } = {}): Promise<pg.Pool> {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max ?? 10,
    application_name: opts.name ?? 'zixly',
    options: `-c search_path=${schema},public`,
    connectionTimeoutMillis: 5000,
  })
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', () => {})
  try {
    const c = await pool.connect()
    c.release()
  } catch (err) {
    await pool.end().catch(() => {})
    throw new DependencyUnavailable('Postgres', where(url), err)
  }
  return pool
}

/** Runs `fn` in one transaction; rolls back on any error. */
export async function inTransaction<T>(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect()
  try {
    await client.query('BEGIN')
    const out = await fn(client)
    await client.query('COMMIT')
    return out
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {})
    throw err
  } finally {
    client.release()
  }
}

/**
 * Applies `NNN_name.sql` files from `dir` in order, each once, inside `schema` (created if missing).
 * An advisory lock keeps two starting services from migrating at the same time.
 */
export async function migrate(pool: pg.Pool, dir: string, schema: string): Promise<string[]> {
  const files = (await readdir(dir)).filter((f) => /^\d+_.+\.sql$/.test(f)).sort()
  const applied: string[] = []
  await inTransaction(pool, async (c) => {
    await c.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`zixly-migrate:${schema}`])
    await c.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`)
    await c.query(`SET LOCAL search_path TO ${quoteIdent(schema)}, public`)
    await c.query(
      `CREATE TABLE IF NOT EXISTS schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
    )
    const done = new Set((await c.query<{ version: string }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version))
    for (const f of files) {
      if (done.has(f)) continue
      await c.query(await readFile(join(dir, f), 'utf8'))
      await c.query('INSERT INTO schema_migrations (version) VALUES ($1)', [f])
      applied.push(f)
    }
  })
  return applied
}

/** Quotes a Postgres identifier. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`
}

/** The Postgres role tenant-facing queries run as: no `BYPASSRLS`, so row-level security applies. */
export const APP_ROLE = 'zixly_app'

/**
 * Runs `fn` in one transaction as `role` (default `zixly_app`) with `app.tenant_id` set for that
 * transaction only (`SET LOCAL`), so the row-level security policies limit every query to the tenant's
 * rows even when a query forgets its own tenant filter. Both settings end with the transaction, so a
 * pooled connection never carries one tenant into the next request.
 */
export async function withTenant<T>(
  pool: pg.Pool,
  tenantId: string,
  fn: (c: pg.PoolClient) => Promise<T>,
  opts: { role?: string } = {},
): Promise<T> {
  if (typeof tenantId !== 'string' || tenantId.length === 0) throw new Error('withTenant needs a tenant id')
  return inTransaction(pool, async (c) => {
    // set_config(..., true) is SET LOCAL with bind parameters (SET itself takes none).
    await c.query(`SELECT set_config('role', $1, true), set_config('app.tenant_id', $2, true)`, [opts.role ?? APP_ROLE, tenantId])
    return fn(c)
  })
}
