// The attack table's world: an isolated namespace and schema, ingest built in-process with the real
// security plugins (authentication, RLS-scoped reads, rate limits), and helpers to make tenants,
// keys, users and read-model rows. Requests go through `app.inject` (or a listening port when a test
// needs two instances).
import { randomUUID } from 'node:crypto'
import type { Role } from '@zixly/contracts'
import { makeSecurity, type JwtVerifier, type Security } from '@zixly/auth'
import { buildApp, idempotencyStore, readModel } from '@zixly/ingest'
import { connectRedis, createMetrics, type Redis } from '@zixly/platform'
import { infraUrls, isolatedEnv, type TestEnv } from '../support/env.ts'
import { TEST_CALLBACK_SECRET } from '../support/stack.ts'

/** An ingest app (a fastify instance). */
export type App = Awaited<ReturnType<typeof buildApp>>

export const seed = { ticker: 'BTC-USD', fast_range: [10, 20], slow_range: [20, 30], step: 5, strategy_type: 'SMA' }

export interface Tenant {
  id: string
  keys: Record<Role, string>
  /** `{ 'x-api-key': … }` of the tenant's key with that role. */
  as(role: Role): Record<string, string>
}

/** One ingest instance on the world's NATS, Postgres and its own Redis connection. */
export async function ingestApp(env: TestEnv, opts: { jwt?: JwtVerifier; now?: () => Date; redis?: Redis; corsOrigins?: string[] } = {}) {
  const redis = opts.redis ?? env.redis
  const security = makeSecurity({ pool: env.pool, redis, namespace: env.namespace, jwt: opts.jwt })
  const app = await buildApp({
    js: env.nc.jetstream(),
    jsm: await env.nc.jetstreamManager(),
    names: env.names,
    readModel: readModel(env.pool),
    idempotency: idempotencyStore(redis, env.namespace, 86_400),
    metrics: createMetrics('ingest'),
    now: opts.now ?? (() => new Date()),
    relay: (subject, payload) => env.nc.publish(subject, JSON.stringify(payload)),
    callbackSecret: TEST_CALLBACK_SECRET,
    auth: { security, corsOrigins: opts.corsOrigins ?? [] },
    checks: [
      { name: 'nats', check: () => env.nc.flush() },
      { name: 'postgres', check: () => env.pool.query('SELECT 1') },
      { name: 'redis', check: () => redis.ping() },
    ],
  })
  await app.ready()
  return { app, security }
}

export async function world(label: string, opts: { jwt?: JwtVerifier; now?: () => Date; corsOrigins?: string[] } = {}) {
  const env = await isolatedEnv(label)
  const { app, security } = await ingestApp(env, opts)
  const extraRedis: Redis[] = []

  /** A tenant with one key per role; `highLimits` lifts the rate limits for tests about other things. */
  async function tenant(id: string, o: { highLimits?: boolean; signingSecret?: string } = {}): Promise<Tenant> {
    await security.admin.ensureTenant(id, id)
    if (o.highLimits !== false)
      await security.admin.updateSettings(id, { rate_limit_per_minute: 1_000_000, read_rate_limit_per_minute: 1_000_000 })
    if (o.signingSecret) await security.admin.updateSettings(id, { signing_secret: 'rotate', signing_secret_value: o.signingSecret })
    security.store.forget(id)
    const keys = {} as Record<Role, string>
    for (const role of ['ADMIN', 'EDITOR', 'VIEWER'] as const) keys[role] = (await security.admin.createApiKey(id, { name: role, role })).key
    return { id, keys, as: (role) => ({ 'x-api-key': keys[role] }) }
  }

  /** A user who can log in. */
  async function user(tenantId: string, role: Role, password = 'a long enough password') {
    const email = `${role.toLowerCase()}-${randomUUID().slice(0, 8)}@${tenantId.replace(/_/g, "-")}.test`
    const u = await security.admin.createUser(tenantId, { email, password, role })
    return { ...u, password }
  }

  /** A finished job of `tenantId` in the read model, with one result row and one attempt (written as the projector would). */
  async function job(tenantId: string): Promise<string> {
    const id = randomUUID()
    const params = { ...seed, min_trades: 50, signal_period: 9, interval: '1d', fee: 0.001, init_cash: 1000, priority: 5, max_attempts: 3 }
    await env.pool.query(
      `INSERT INTO pipeline_jobs (id, tenant_id, status, parameters, ticker, strategy_type, priority, max_attempts, progress_done, progress_total,
         total_combinations, created_at, updated_at, last_seq)
       VALUES ($1, $2, 'COMPLETED', $3, 'BTC-USD', 'SMA', 5, 3, 1, 1, 1, now(), now(), 1)`,
      [id, tenantId, JSON.stringify(params)],
    )
    await env.pool.query(`INSERT INTO job_attempts (job_id, attempt, status) VALUES ($1, 1, 'SUCCEEDED')`, [id])
    await env.pool.query(
      `INSERT INTO trading_sweep_results (job_id, tenant_id, ticker, strategy_type, fast_period, slow_period, score, sharpe_ratio, sortino_ratio,
         calmar_ratio, total_return_pct, annualized_return, max_drawdown_pct, max_drawdown_duration, win_rate_pct, profit_factor,
         expectancy_per_trade, total_trades, total_closed_trades, trades_per_month, avg_trade_duration, beats_bnh_pct, rank_for_ticker, attempt)
       VALUES ($1, $2, 'BTC-USD', 'SMA', 10, 20, 1.5, 1.1, 1.2, 0.5, 42, 12, 20, '30 days', 55, 1.8, 0.7, 60, 59, 2.1, '5.0 days', 3.3, 1, 1)`,
      [id, tenantId],
    )
    await env.pool.query(
      `INSERT INTO job_events (seq, job_id, tenant_id, event_id, type, version, attempt, occurred_at, summary)
       VALUES ((SELECT coalesce(max(seq), 0) + 1 FROM job_events), $1, $2, $3, 'SweepRequested', 2, NULL, now(), 'requested')`,
      [id, tenantId, `SweepRequested:${id}`],
    )
    return id
  }

  return {
    env,
    app,
    security,
    tenant,
    user,
    job,
    /** A second ingest instance sharing everything but its Redis connection. */
    async secondInstance(): Promise<App> {
      const redis = await connectRedis(infraUrls().REDIS_URL)
      extraRedis.push(redis)
      return (await ingestApp(env, { ...opts, redis })).app
    },
    async events(): Promise<number> {
      return (await (await env.nc.jetstreamManager()).streams.info(env.names.eventsStream)).state.messages
    },
    async cleanup() {
      await app.close()
      for (const r of extraRedis) r.disconnect()
      await env.cleanup()
    },
  }
}
export type World = Awaited<ReturnType<typeof world>>
export type { Security }
