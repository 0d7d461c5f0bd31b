import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import type { Problem } from '@zixly/contracts'
import { RateLimited, ValidationError, ZixlyError } from '@zixly/platform'
import type { ZodError } from 'zod'

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
}

/** Field errors from a zod error: one entry per bad field, named as the client wrote it. */
export function fieldErrors(error: ZodError): Array<{ field: string; message: string }> {
  const out: Array<{ field: string; message: string }> = []
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push({ field: key, message: 'is not a known field' })
      continue
    }
    const field = issue.path.reduce<string>(
      (acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)),
      '',
    )
    out.push({ field: field || '(body)', message: issue.message })
  }
  return out
}

export function sendProblem(reply: FastifyReply, status: number, code: string, detail?: string, extra: Partial<Problem> = {}) {
  const body: Problem = {
    type: `https://zixly.dev/problems/${code.toLowerCase().replace(/_/g, '-')}`,
    title: TITLES[status] ?? 'Error',
    status,
    code,
    ...(detail === undefined ? {} : { detail }),
    instance: reply.request.url,
    ...extra,
  }
  return reply.code(status).type('application/problem+json').send(body)
}

/** The one error handler: typed errors keep their status and code; anything else is a 500 without details. */
export function errorHandler(err: FastifyError, req: FastifyRequest, reply: FastifyReply) {
  if (err instanceof ValidationError)
    return sendProblem(reply, 400, err.code, err.message, err.fields.length ? { errors: err.fields } : {})
  if (err instanceof RateLimited) {
    void reply.header('retry-after', String(err.retryAfterSeconds))
    return sendProblem(reply, 429, err.code, err.message)
  }
  if (err instanceof ZixlyError) {
    if (err.status >= 500) req.log.error({ err }, 'request failed')
    return sendProblem(reply, err.status, err.code, err.status >= 500 ? undefined : err.message)
  }
  // Fastify's own errors: bad JSON, empty body, unsupported content type, body too large.
  if (typeof err.statusCode === 'number' && err.statusCode < 500) {
    const status = err.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 413 : 400
    return sendProblem(reply, status, err.code ?? 'BAD_REQUEST', bodyMessage(err))
  }
  req.log.error({ err }, 'unhandled error')
  return sendProblem(reply, 500, 'INTERNAL', 'an internal error occurred')
}

function bodyMessage(err: FastifyError): string {
  switch (err.code) {
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'the body is empty; send a JSON object'
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'the body must be JSON (Content-Type: application/json)'
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'the body is too large'
    default:
      return err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err instanceof SyntaxError
        ? 'the body is not valid JSON'
        : err.message
  }
}
