import { join } from 'node:path'
import { ROOT } from '../lib/output.ts'
import { freePort, startChild, type Child } from '../lib/stack.ts'
import { createWorld, deleteKeys } from '../lib/world.ts'
import { postSweep, readModelQueries, type Target } from '../e2e/target.ts'
import { createBaselineTables } from './schema.ts'

/**
 * The BullMQ peer baseline on the same machine, Postgres and Redis: one receiver process and
 * `workers` worker processes of `concurrency` each, in their own schema and Redis key prefix.
 */
export async function startBullmq(opts: { workers: number; concurrency: number }): Promise<Target> {
  const world = await createWorld('e2ebullmq')
  const prefix = `bench:bq_${world.id}`
  const children: Child[] = []
  const stopAll = async () => {
    await Promise.all(children.map((c) => c.stop()))
    await deleteKeys(world.redis, `${prefix}:*`)
    await world.cleanup()
  }
  try {
    await createBaselineTables(world.pool, world.schema)
    const port = await freePort()
    const env = { ...world.env, BQ_PREFIX: prefix, BQ_CONCURRENCY: String(opts.concurrency) }
    const dir = join(ROOT, 'bench', 'baseline')
    children.push(await startChild('bq-receiver', { cwd: dir, entry: 'receiver.ts', env: { ...env, PORT: String(port) }, readyText: 'bq-receiver ready' }))
    for (let i = 0; i < opts.workers; i++)
      children.push(await startChild(`bq-worker-${i + 1}`, { cwd: dir, entry: 'worker.ts', env, readyText: 'bq-worker ready' }))
    const url = `http://127.0.0.1:${port}/webhook/trading-sweep`
    return {
      name: 'BullMQ',
      processes: children.map((c) => ({ name: c.name, pid: c.pid })),
      submit: (body) => postSweep(url, {}, body),
      ...readModelQueries(world.pool, 'bq_jobs', 'bq_results'),
      stop: stopAll,
    }
  } catch (err) {
    await stopAll()
    throw err
  }
}
