import { JobView, Problem, ResultsPage, ResultsQuery, SweepAccepted, SweepRequestBody } from '@zixly/contracts'
import { z } from 'zod'

const json = (schema: z.ZodType, io: 'input' | 'output' = 'output') => ({
  'application/json': { schema: z.toJSONSchema(schema, { io, unrepresentable: 'any' }) },
})
const problem = { 'application/problem+json': { schema: z.toJSONSchema(Problem) } }

/** The OpenAPI document, generated from the same zod schemas the routes validate with. */
export function openApiDocument() {
  const queryParams = Object.entries(z.toJSONSchema(ResultsQuery, { io: 'input' }).properties ?? {}).map(([name, schema]) => ({
    name,
    in: 'query',
    required: false,
    schema,
  }))
  const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }
  return {
    openapi: '3.1.0',
    info: { title: 'Zixly ingest', version: '0.1.0', description: 'Webhook-triggered, event-sourced trading sweeps.' },
    paths: {
      '/webhook/trading-sweep': {
        post: {
          summary: 'Request a sweep',
          parameters: [{ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', maxLength: 255 } }],
          requestBody: { required: true, content: json(SweepRequestBody, 'input') },
          responses: {
            '202': { description: 'Appended to the log', content: json(SweepAccepted) },
            '400': { description: 'Invalid request; every bad field is named', content: problem },
            '422': { description: 'Idempotency-Key reused with another body', content: problem },
          },
        },
      },
      '/webhook/jobs/{id}': {
        get: {
          summary: 'A job from the read model, with its top 10 results',
          parameters: [idParam],
          responses: { '200': { description: 'The job', content: json(JobView) }, '404': { description: 'Unknown job', content: problem } },
        },
      },
      '/webhook/jobs/{id}/results': {
        get: {
          summary: 'A page of a job’s results',
          parameters: [idParam, ...queryParams],
          responses: { '200': { description: 'Results', content: json(ResultsPage) }, '404': { description: 'Unknown job', content: problem } },
        },
      },
      '/health': { get: { summary: 'Liveness', responses: { '200': { description: 'Alive' } } } },
      '/ready': { get: { summary: 'Readiness: NATS, Postgres and Redis answer', responses: { '200': { description: 'Ready' }, '503': { description: 'Not ready' } } } },
      '/metrics': { get: { summary: 'Prometheus metrics', responses: { '200': { description: 'Metrics' } } } },
    },
  }
}
