import { bootstrapApiKey, probeSecurity } from '../lib/auth.ts'
import { SMALL_SWEEP } from '../lib/body.ts'
import { startStack } from '../lib/stack.ts'
import { createWorld } from '../lib/world.ts'
import { postSweep, readModelQueries, type Target } from './target.ts'

/**
 * Zixly as `npm start` runs it (each service its own process) in an isolated world, with an API key
 * whose rate limit cannot bind. `env` carries the deployment's settings (executor concurrency, …).
 */
export async function startZixly(env: Record<string, string>): Promise<Target & { security: { auth: boolean; rateLimit: boolean } }> {
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
