// The peer baseline's worker: a BullMQ Worker with concurrency that runs the same engine
// (@zixly/engine, single-threaded per job: a 4-pair sweep is far below a thread hand-off's worth) on
// the same price data, then updates the job row and inserts the results in one transaction.
//   env DATABASE_URL PG_SCHEMA REDIS_URL BQ_PREFIX BQ_CONCURRENCY
import { Worker, type Job } from 'bullmq'
import { Redis } from 'ioredis'
import type { SweepParams } from '@zixly/contracts'
import { gridPairs } from '@zixly/contracts'
import { annFactorFor, runSweep, type ResultRow } from '@zixly/engine'
import { createMarketData } from '@zixly/market-data'
import { connectPg, inTransaction } from '@zixly/platform'
import { QUEUE, RESULT_COLUMNS } from './schema.ts'

const concurrency = Number(process.env.BQ_CONCURRENCY ?? 16)
const schema = process.env.PG_SCHEMA ?? 'bq_baseline'
const pool = await connectPg(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test', schema, {
  max: Math.min(concurrency, 20),
  name: 'bq-worker',
})
const marketData = createMarketData(process.env.MARKET_DATA_URL)
const connection = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: null })

async function process_(job: Job<{ job_id: string; params: SweepParams }>): Promise<number> {
  const { job_id: id, params } = job.data
  await pool.query(`UPDATE bq_jobs SET status = 'RUNNING', started_at = now(), updated_at = now() WHERE id = $1`, [id])
  const series = await marketData.load(params.ticker, {
    interval: params.interval,
    ...(params.start === undefined ? {} : { start: params.start }),
    ...(params.end === undefined ? {} : { end: params.end }),
  })
  const rows = runSweep(series.closes, {
    strategy: params.strategy_type,
    pairs: gridPairs(params.fast_range, params.slow_range, params.step),
    minTrades: params.min_trades,
    fee: params.fee,
    initCash: params.init_cash,
    annFactor: params.ann_factor ?? annFactorFor(params.ticker, params.interval),
    signalPeriod: params.signal_period,
    barUnit: params.interval === '1d' ? 'days' : 'bars',
  })
  await inTransaction(pool, async (c) => {
    if (rows.length > 0) {
      const values: unknown[] = []
      const tuples = rows.map((r, i) => {
        const base = i * (RESULT_COLUMNS.length + 1)
        values.push(id, ...RESULT_COLUMNS.map((k) => r[k as keyof ResultRow]))
        return `(${Array.from({ length: RESULT_COLUMNS.length + 1 }, (_, j) => `$${base + j + 1}`).join(', ')})`
      })
      await c.query(`INSERT INTO bq_results (job_id, ${RESULT_COLUMNS.join(', ')}) VALUES ${tuples.join(', ')}`, values)
    }
    await c.query(
      `UPDATE bq_jobs SET status = 'COMPLETED', total_combinations = $2, completed_at = now(), updated_at = now() WHERE id = $1`,
      [id, rows.length],
    )
  })
  return rows.length
}

const worker = new Worker(QUEUE, process_, { connection, prefix: process.env.BQ_PREFIX ?? 'bq', concurrency })
worker.on('failed', (job, err) => {
  if (!job) return
  void pool
    .query(`UPDATE bq_jobs SET status = 'FAILED', error_message = $2, updated_at = now() WHERE id = $1`, [job.data.job_id, err.message])
    .catch(() => {})
})
await worker.waitUntilReady()
console.log('{"msg":"bq-worker ready"}')
const stop = () =>
  void worker
    .close()
    .then(() => pool.end())
    .then(() => connection.quit())
    .finally(() => process.exit(0))
process.once('SIGTERM', stop)
process.once('SIGINT', stop)
