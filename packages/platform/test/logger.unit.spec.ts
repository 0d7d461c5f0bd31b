import { describe, expect, it } from 'vitest'
import { createLogger, jobLogger } from '../src/logger.ts'
import { currentTraceparent, inSpan, traceIdOf } from '../src/tracing.ts'
import { captureStream } from '../src/testing.ts'

function logged(fn: (log: ReturnType<typeof createLogger>) => void) {
  const out = captureStream()
  fn(createLogger('test', 'trace', out.stream))
  return { lines: out.lines(), text: out.text() }
}

describe('log lines never carry credentials', () => {
  it('redacts credential headers of requests, responses and outgoing calls', () => {
    const headers = { authorization: 'Bearer eyJ.secret.jwt', 'x-api-key': 'zk_secret', cookie: 'zixly_session=s3cret', 'x-zixly-signature': 't=1,v1=abc', accept: 'application/json' }
    const { lines, text } = logged((log) => {
      log.info({ req: { headers } }, 'a')
      log.info({ request: { headers } }, 'b')
      log.info({ headers, webhook_headers: headers }, 'c')
    })
    for (const secret of ['eyJ.secret.jwt', 'zk_secret', 's3cret', 'v1=abc']) expect(text).not.toContain(secret)
    expect(lines[1]).toMatchObject({ request: { headers: { 'x-api-key': '[redacted]', accept: 'application/json' } } })
  })

  it('redacts passwords, API keys, tokens and secrets at the top level and one level down', () => {
    const { text } = logged((log) => {
      log.info({ password: 'pw-1', api_key: 'key-2', token: 'tok-3', signing_secret: 'sec-4', body: { password: 'pw-5', secret: 'sec-6', jwt: 'jwt-7' } }, 'x')
    })
    for (const secret of ['pw-1', 'key-2', 'tok-3', 'sec-4', 'pw-5', 'sec-6', 'jwt-7']) expect(text).not.toContain(secret)
  })
})

describe('log lines about a job join up with its trace', () => {
  it('writes the active span’s trace id on every line inside it', async () => {
    const out = captureStream()
    const log = createLogger('test', 'info', out.stream)
    const tp = await inSpan('step', undefined, {}, async () => {
      log.info('inside')
      return currentTraceparent()
    })
    log.info('outside')
    const [inside, outside] = out.lines()
    expect(inside!.trace_id).toBe(traceIdOf(tp))
    expect(outside!.trace_id).toBeUndefined()
  })

  it('binds job_id, tenant_id and the job’s trace id once, inside a span or not', async () => {
    const out = captureStream()
    const log = createLogger('test', 'info', out.stream)
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'
    jobLogger(log, { jobId: 'j1', tenantId: 't1', traceparent }, { attempt: 2 }).info('outside')
    await inSpan('step', traceparent, {}, async () => jobLogger(log, { jobId: 'j1', tenantId: 't1', traceparent }).info('inside'))
    for (const line of out.text().trim().split('\n')) {
      expect(line.match(/"trace_id"/g)).toHaveLength(1)
      expect(JSON.parse(line)).toMatchObject({ job_id: 'j1', tenant_id: 't1', trace_id: '4bf92f3577b34da6a3ce929d0e0e4736' })
    }
  })
})
