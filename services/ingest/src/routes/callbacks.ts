import type { FastifyInstance } from 'fastify'
import { parseTradingApiCallback, SweepCallbackQuery, type SweepCallbackReceived } from '@zixly/contracts'
import { Unauthorized, ValidationError, verifyCallbackToken } from '@zixly/platform'
import type { IngestDeps } from '../app.ts'

/**
 * `POST /webhook/sweep-callback`: where a Trading API reports on a sweep the executor's `http` adapter
 * submitted. It accepts both dialects (the real service's status body with `X-Job-ID`, and the seed
 * worker's `event_type` body), maps them onto one normalized callback and relays it to the executor
 * waiting for that job. Authenticated by the per-job token the executor put in the `webhook_url`
 * (an HMAC with the callback secret), not by API key or session: the Trading API holds neither.
 * A repeat changes nothing: the executor has finished with the job by then, or takes the first.
 */
export function callbackRoutes(app: FastifyInstance, deps: IngestDeps) {
  app.post('/webhook/sweep-callback', { config: { permission: 'public' } }, async (req, reply) => {
    const q = SweepCallbackQuery.safeParse(req.query)
    if (!q.success || !verifyCallbackToken(deps.callbackSecret, q.data.tenant, q.data.job_id, q.data.token))
      throw new Unauthorized('invalid or missing callback token')
    const parsed = parseTradingApiCallback(req.body, req.headers)
    if (!parsed.ok) throw new ValidationError('the callback fits neither Trading-API dialect', parsed.errors)
    deps.relay(deps.names.callbackSubject(q.data.tenant, q.data.job_id), parsed.callback)
    const answer: SweepCallbackReceived = { received: true, job_id: q.data.job_id, status: parsed.callback.status, dialect: parsed.dialect }
    return reply.send(answer)
  })
}
