import { pino, type Logger } from 'pino'
import { activeTraceIds, traceIdOf } from './tracing.ts'

export type { Logger }

const SECRET_KEYS = [
  'password',
  'new_password',
  'current_password',
  'api_key',
  'apiKey',
  'key',
  'signing_secret',
  'signingSecret',
  'secret',
  'client_secret',
  'token',
  'access_token',
  'refresh_token',
  'jwt',
  'authorization',
  'cookie',
  'x-api-key',
  'x-zixly-signature',
  'set-cookie',
]
const SECRET_HEADERS = ['authorization', 'cookie', 'set-cookie', 'x-api-key', 'x-zixly-signature', 'x-callback-token', 'proxy-authorization']
const prop = (k: string) => (/^[A-Za-z_$][\w$]*$/.test(k) ? `.${k}` : `["${k}"]`)

/**
 * Keys whose values never reach a log line: secrets at the top level and one level down, and the
 * credential headers of any request or response logged (`req.headers`, `headers`, `webhook_headers`).
 */
export const REDACT_PATHS = [
  ...SECRET_KEYS.flatMap((k) => [k.includes('-') ? `["${k}"]` : k, `*${prop(k)}`]),
  ...SECRET_HEADERS.flatMap((h) => ['req.headers', 'res.headers', 'headers', 'webhook_headers', 'request.headers'].map((p) => `${p}${prop(h)}`)),
].map((p) => (p.startsWith('[') ? p.slice(2, -2) : p))

/**
 * A JSON logger named after its service. Every line written inside a traced step carries that step's
 * `trace_id` and `span_id`, so a job's log lines join up with its trace.
 */
export function createLogger(service: string, level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      name: service,
      level,
      base: { service },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      mixin: () => activeTraceIds(),
    },
    destination,
  )
}

/**
 * The logger for every line about one job: `job_id`, `tenant_id` and the job's `trace_id` (from its
 * traceparent, for lines written outside its spans too).
 */
export function jobLogger(
  logger: Logger,
  job: { jobId: string; tenantId: string; traceparent?: string | undefined },
  extra: Record<string, unknown> = {},
): Logger {
  // Inside a span the mixin writes the active trace id on each line; binding it too would repeat the key.
  const traceId = 'trace_id' in activeTraceIds() ? undefined : traceIdOf(job.traceparent)
  return logger.child({ job_id: job.jobId, tenant_id: job.tenantId, ...(traceId ? { trace_id: traceId } : {}), ...extra })
}
