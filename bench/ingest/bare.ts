// The ingest baseline: the least a webhook receiver on JetStream can do. A bare fastify route that
// validates the body with the same zod schema and awaits one JetStream publish of the same event, so
// the pipeline behind it gets the very same work as behind Zixly's ingest. No auth, no rate limit,
// no idempotency, no metrics. Run by bench/ingest/run.ts as its own process.
import Fastify from 'fastify'
import { connect } from 'nats'
import { randomUUID } from 'node:crypto'
import { names, SweepParams, SweepRequestBody } from '@zixly/contracts'

const n = names(process.env.ZIXLY_NAMESPACE ?? 'zixly')
const nc = await connect({ servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222', name: 'bench-bare' })
const js = nc.jetstream()
const tenantId = process.env.DEFAULT_TENANT_ID ?? 'local'

const app = Fastify({ logger: false, bodyLimit: 64 * 1024 })
app.post('/webhook/trading-sweep', async (req, reply) => {
  const parsed = SweepRequestBody.safeParse(req.body)
  if (!parsed.success) return reply.code(400).send({ status: 400, errors: parsed.error.issues.length })
  const params = SweepParams.parse(parsed.data)
  const jobId = randomUUID()
  const createdAt = new Date().toISOString()
  const event = {
    id: `SweepRequested:${jobId}`,
    type: 'SweepRequested',
    version: 2,
    data: { job_id: jobId, params },
    metadata: { tenantId, correlationId: jobId, causationId: req.id, occurredAt: createdAt },
  }
  await js.publish(n.eventSubject(tenantId, jobId), JSON.stringify(event), { msgID: event.id })
  return reply.code(202).send({ job_id: jobId, status: 'QUEUED', status_url: `/webhook/jobs/${jobId}`, created_at: createdAt })
})
await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' })
console.log('{"msg":"bare ready"}')
const stop = () => void app.close().then(() => nc.drain()).then(() => process.exit(0))
process.once('SIGTERM', stop)
process.once('SIGINT', stop)
