// The peer baseline's HTTP receiver, the seed's shape written straight: validate the body (same zod
// schema), insert the job row, enqueue to BullMQ, answer 202. Run as its own process by the benches.
//   env PORT DATABASE_URL PG_SCHEMA REDIS_URL BQ_PREFIX
import Fastify from 'fastify'
import { Queue } from 'bullmq'
import { Redis } from 'ioredis'
import { randomUUID } from 'node:crypto'
import { SweepParams, SweepRequestBody } from '@zixly/contracts'
import { connectPg } from '@zixly/platform'
import { QUEUE } from './schema.ts'

const schema = process.env.PG_SCHEMA ?? 'bq_baseline'
const pool = await connectPg(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test', schema, { max: 10, name: 'bq-receiver' })
const connection = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: null })
const queue = new Queue(QUEUE, { connection, prefix: process.env.BQ_PREFIX ?? 'bq' })
const tenantId = 'bench'

const app = Fastify({ logger: false, bodyLimit: 64 * 1024 })
app.post('/webhook/trading-sweep', async (req, reply) => {
  const parsed = SweepRequestBody.safeParse(req.body)
  if (!parsed.success) return reply.code(400).send({ status: 400, errors: parsed.error.issues.map((i) => i.message) })
  const params = SweepParams.parse(parsed.data)
  const id = randomUUID()
  const now = new Date()
  await pool.query(
    `INSERT INTO bq_jobs (id, tenant_id, status, parameters, ticker, created_at, updated_at) VALUES ($1, $2, 'QUEUED', $3, $4, $5, $5)`,
    [id, tenantId, JSON.stringify(params), params.ticker, now],
  )
  // Completed jobs are trimmed as a production BullMQ setup does, so Redis does not grow without bound.
  await queue.add('sweep', { job_id: id, params }, { jobId: id, removeOnComplete: 1000, removeOnFail: 5000, attempts: params.max_attempts })
  return reply.code(202).send({ job_id: id, status: 'QUEUED', status_url: `/jobs/${id}`, created_at: now.toISOString() })
})
await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' })
console.log('{"msg":"bq-receiver ready"}')
const stop = () =>
  void app
    .close()
    .then(() => queue.close())
    .then(() => pool.end())
    .then(() => connection.quit())
    .finally(() => process.exit(0))
process.once('SIGTERM', stop)
process.once('SIGINT', stop)
