import { bootstrapApiKey, probeSecurity } from '../lib/auth.ts'
import { SMALL_SWEEP } from '../lib/body.ts'
import { startStack } from '../lib/stack.ts'
import { createWorld } from '../lib/world.ts'
import { postSweep, readModelQueries, type Target } from './target.ts'

/**
 * Zixly as `npm start` runs it (each service its own process) in an isolated world, with an API key
 * whose rate limit cannot bind. `env` carries the deployment's settings (executor concurrency, …).
 */
export interface ZixlyTarget extends Target {
  readonly security: { auth: boolean; rateLimit: boolean }
  stages(ids: readonly string[]): Promise<Record<string, { p50_ms: number; p99_ms: number }>>
  /** A job's events as the timeline read model holds them: type and time (its occurredAt). */
  eventTimes(id: string): Promise<Array<{ type: string; at: number }>>
}

export async function startZixly(env: Record<string, string>): Promise<ZixlyTarget> {
  const world = await createWorld('e2ezixly')
  let stack: Awaited<ReturnType<typeof startStack>> | undefined
  try {
    const key = await bootstrapApiKey(world.pool, 'bench')
    stack = await startStack(world.env, { DEFAULT_TENANT_ID: 'bench', ...env })
    const running = stack
    const headers: Record<string, string> = key ? { 'x-api-key': key.apiKey } : {}
    const url = `${stack.ingestUrl}/webhook/trading-sweep`
    const q = readModelQueries(world.pool, 'pipeline_jobs', 'trading_sweep_results')
    const security = await probeSecurity(stack.ingestUrl, headers, SMALL_SWEEP)
    return {
      name: 'Zixly',
      /** Median milliseconds between a job's lifecycle events (their occurredAt), to see where time goes. */
      async stages(ids: readonly string[]) {
        const r = await world.pool.query<{ stage: string; p50: number; p99: number }>(
          `WITH t AS (
             SELECT job_id, type, min(occurred_at) AS at FROM job_events WHERE job_id = ANY($1::uuid[]) GROUP BY job_id, type
           ), j AS (
             SELECT job_id,
               max(at) FILTER (WHERE type = 'SweepRequested') AS req, max(at) FILTER (WHERE type = 'SweepDispatched') AS dis,
               max(at) FILTER (WHERE type = 'SweepStarted') AS sta, max(at) FILTER (WHERE type = 'SweepCompleted') AS com
             FROM t GROUP BY job_id
           ), d AS (
             SELECT 'requested→dispatched' AS stage, extract(epoch FROM dis - req) * 1000 AS ms FROM j
             UNION ALL SELECT 'dispatched→started', extract(epoch FROM sta - dis) * 1000 FROM j
             UNION ALL SELECT 'started→completed', extract(epoch FROM com - sta) * 1000 FROM j
           )
           SELECT stage, percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50, percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) AS p99
           FROM d GROUP BY stage`,
          [ids],
        )
        return Object.fromEntries(r.rows.map((row) => [row.stage, { p50_ms: Math.round(row.p50), p99_ms: Math.round(row.p99) }]))
      },
      async eventTimes(id) {
        const r = await world.pool.query<{ type: string; at: Date }>(`SELECT type, occurred_at AS at FROM job_events WHERE job_id = $1 ORDER BY seq`, [id])
        return r.rows.map((x) => ({ type: x.type, at: x.at.getTime() }))
      },
      security,
      processes: stack.children.map((c) => ({ name: c.name, pid: c.pid })),
      submit: (body) => postSweep(url, headers, body),
      ...q,
      async stop() {
        await running.stop()
        await world.cleanup()
      },
    }
  } catch (err) {
    await stack?.stop()
    await world.cleanup()
    throw err
  }
}
