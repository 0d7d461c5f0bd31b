import { ValidationError, ZixlyError } from '@zixly/platform'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import type { z } from 'zod'

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
}

/** Field errors of a zod failure, one per issue, named by path. */
export const fieldsOf = (e: z.ZodError) =>
  e.issues.map((i) => ({ field: i.path.length > 0 ? i.path.join('.') : '(body)', message: i.message }))

export const invalid = (what: string, e: z.ZodError) => new ValidationError(`${what} is invalid`, fieldsOf(e))

/**
 * The one error handler: every error is `application/problem+json` (RFC 9457) with a stable
 * `code`; the seed's clients also find `error` and `detail` as the real service sends them.
 * 5xx details stay in the log.
 */
export function problemHandler(err: FastifyError | ZixlyError | Error, req: FastifyRequest, reply: FastifyReply) {
  let status = 500
  let code = 'INTERNAL_ERROR'
  let detail = 'an unexpected error occurred'
  let errors: Array<{ field: string; message: string }> | undefined
  if (err instanceof ZixlyError) {
    status = err.status
    code = err.code
    detail = err.message
    const fields = (err as { fields?: Array<{ field: string; message: string }> }).fields
    if (fields && fields.length > 0) errors = fields
  } else if ('statusCode' in err && typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
    status = err.statusCode
    code = err.code ?? 'BAD_REQUEST'
    detail = err.message
  }
  if (status >= 500) req.log.error({ err }, 'request failed')
  if (err instanceof ZixlyError && err.retryable) void reply.header('retry-after', '1')
  const title = TITLES[status] ?? 'Error'
  return reply
    .code(status)
    .type('application/problem+json')
    .send({
      type: 'about:blank',
      title,
      status,
      code,
      detail: status >= 500 && !(err instanceof ZixlyError) ? 'an unexpected error occurred' : detail,
      instance: req.url,
      ...(errors && { errors }),
      error: title,
    })
}
