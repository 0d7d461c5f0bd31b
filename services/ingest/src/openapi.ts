import {
  ApiKeyCreated,
  ApiKeyIdParams,
  ApiKeysList,
  ApiKeyView,
  AuthMe,
  BulkRetryBody,
  BulkRetryResult,
  CreateApiKeyBody,
  CreateUserBody,
  DeadLetterIdParams,
  DeadLettersPage,
  DeadLettersQuery,
  DispatchControlBody,
  DispatchState,
  JobActionAccepted,
  JobActionBody,
  JobChanges,
  JobChangesQuery,
  JobCounts,
  JobCountsQuery,
  JobDetail,
  JobIdParams,
  JobPending,
  JobsPage,
  JobsQuery,
  Liveness,
  LoginBody,
  Problem,
  Readiness,
  ResultsCsvQuery,
  ResultsPage,
  ResultsQuery,
  SeedSweepCallback,
  SweepAccepted,
  SweepCallbackQuery,
  SweepCallbackReceived,
  SweepRequestBody,
  TenantSettingsUpdated,
  TenantSettingsView,
  TenantStats,
  Timeline,
  TradingApiCallback,
  UpdateTenantSettingsBody,
  UpdateUserBody,
  UserIdParams,
  UsersList,
  UserView,
} from '@zixly/contracts'
import { isPermission, SESSION_COOKIE, type RoutePermission } from '@zixly/auth'
import { z } from 'zod'

// Every schema below is generated from the zod schema the route parses with (requests: the input
// side) or answers with (responses: the output side); none is written by hand. test/openapi.int.spec.ts
// checks that every registered route is here, and nothing else.

type Json = Record<string, unknown>
type Io = 'input' | 'output'

/** JSON Schema (2020-12, the dialect of OpenAPI 3.1) of a zod schema, without its `$schema` line. */
function schemaOf(schema: z.ZodType, io: Io = 'output'): Json {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Json
  return rest
}

const json = (schema: z.ZodType, io: Io = 'output') => ({
  'application/json': { schema: schemaOf(schema, io) },
})

/** Path or query parameters, one per property of a zod object schema (as the route parses it). */
function parametersOf(schema: z.ZodObject, where: 'path' | 'query'): Json[] {
  const js = schemaOf(schema, 'input') as { properties?: Record<string, Json>; required?: string[] }
  return Object.entries(js.properties ?? {}).map(([name, s]) => {
    const { description, ...rest } = s
    return {
      name,
      in: where,
      required: where === 'path' || (js.required ?? []).includes(name),
      ...(typeof description === 'string' ? { description } : {}),
      schema: rest,
    }
  })
}

const ref = (kind: 'schemas' | 'headers' | 'responses' | 'securitySchemes', name: string) => ({
  $ref: `#/components/${kind}/${name}`,
})

/** A problem+json answer (RFC 9457) with the given meaning. */
function problem(description: string, headers: Json = {}): Json {
  return {
    description,
    ...(Object.keys(headers).length ? { headers } : {}),
    content: { 'application/problem+json': { schema: ref('schemas', 'Problem') } },
  }
}

const RATE_LIMIT_HEADERS = {
  'RateLimit-Limit': ref('headers', 'RateLimit-Limit'),
  'RateLimit-Remaining': ref('headers', 'RateLimit-Remaining'),
  'RateLimit-Reset': ref('headers', 'RateLimit-Reset'),
  'RateLimit-Policy': ref('headers', 'RateLimit-Policy'),
}

/** Who may call a route that asks for credentials: any one of these. */
const CREDENTIALS = [{ ApiKey: [] }, { Bearer: [] }, { Session: [] }]

interface Route {
  operationId: string
  summary: string
  description?: string
  tags: string[]
  /** The route's `config.permission` (a permission, `authenticated`, or `public`). */
  permission: RoutePermission | 'authenticated'
  /** The webhook signature applies (API-key requests of a tenant with a signing secret). */
  signed?: boolean
  params?: z.ZodObject
  query?: z.ZodObject
  headers?: Json[]
  body?: { schema: z.ZodType; required: boolean; description?: string }
  /** The answers other than problems. */
  ok: Record<string, Json>
  /** Route-specific problems, by status. */
  problems?: Record<string, string>
  /** Security of a public route (default: none). */
  security?: Json[]
}

/** One operation: parameters and body from the zod schemas, and every problem the route can answer. */
function operation(r: Route): Json {
  const authenticated = r.permission !== 'public'
  const parameters = [
    ...(r.params ? parametersOf(r.params, 'path') : []),
    ...(r.query ? parametersOf(r.query, 'query') : []),
    ...(r.headers ?? []),
  ]
  const ok = Object.fromEntries(
    Object.entries(r.ok).map(([status, res]) => [
      status,
      authenticated
        ? { ...res, headers: { ...((res.headers as Json | undefined) ?? {}), ...RATE_LIMIT_HEADERS } }
        : res,
    ]),
  )
  const problems: Record<string, Json> = {}
  if (r.body)
    problems['400'] = problem(
      'The body is not a JSON object (bad JSON, another content type or charset, too deep, a prototype key) or a field is invalid: every bad field is named in `errors`',
    )
  else if (r.query)
    problems['400'] = problem('A query parameter is invalid: every bad one is named in `errors`')
  if (authenticated) {
    problems['401'] = problem(
      r.signed
        ? 'No valid credentials (X-API-Key, Authorization: Bearer, or the session cookie), or a missing, stale, wrong or replayed X-Zixly-Signature'
        : 'No valid credentials (X-API-Key, Authorization: Bearer, or the session cookie)',
      { 'WWW-Authenticate': ref('headers', 'WWW-Authenticate') },
    )
    if (isPermission(r.permission))
      problems['403'] = problem(`The caller's role does not hold \`${r.permission}\``)
  }
  if (r.body) problems['413'] = problem('The body is larger than the limit')
  if (authenticated)
    problems['429'] = problem('Rate limit of the tenant or credential reached', {
      'Retry-After': ref('headers', 'Retry-After'),
    })
  for (const [status, description] of Object.entries(r.problems ?? {}))
    problems[status] = problem(
      description,
      status === '429' ? { 'Retry-After': ref('headers', 'Retry-After') } : {},
    )
  problems['500'] = problem('Internal error (no details are given)')

  return {
    operationId: r.operationId,
    summary: r.summary,
    ...(r.description ? { description: r.description } : {}),
    tags: r.tags,
    'x-zixly-permission': r.permission,
    ...(parameters.length ? { parameters } : {}),
    ...(r.body
      ? {
          requestBody: {
            required: r.body.required,
            ...(r.body.description ? { description: r.body.description } : {}),
            content: json(r.body.schema, 'input'),
          },
        }
      : {}),
    responses: { ...ok, ...problems },
    security: authenticated
      ? r.signed
        ? [{ ApiKey: [], WebhookSignature: [] }, ...CREDENTIALS]
        : CREDENTIALS
      : (r.security ?? []),
  }
}

const res = (description: string, schema?: z.ZodType, headers?: Json): Json => ({
  description,
  ...(headers ? { headers } : {}),
  ...(schema ? { content: json(schema) } : {}),
})

/** The routes, by OpenAPI path and method (fastify's `:id` is `{id}` here). */
function routes(): Record<string, Record<string, Route>> {
  const reason = 'Why (kept on the event; optional)'
  return {
    '/health': {
      get: {
        operationId: 'health',
        summary: 'Liveness',
        tags: ['operations'],
        permission: 'public',
        ok: { '200': res('Alive', Liveness) },
      },
    },
    '/ready': {
      get: {
        operationId: 'ready',
        summary: 'Readiness: NATS, Postgres and Redis answer',
        tags: ['operations'],
        permission: 'public',
        ok: {
          '200': res('Ready', Readiness),
          '503': res('Not ready (the failing checks say why)', Readiness),
        },
      },
    },
    '/metrics': {
      get: {
        operationId: 'metrics',
        summary: 'Prometheus metrics (text exposition format)',
        tags: ['operations'],
        permission: 'public',
        ok: { '200': { description: 'Metrics', content: { 'text/plain': { schema: { type: 'string' } } } } },
      },
    },
    '/openapi.json': {
      get: {
        operationId: 'openapi',
        summary: 'This document',
        tags: ['operations'],
        permission: 'public',
        ok: {
          '200': {
            description: 'The OpenAPI 3.1 document',
            content: { 'application/json': { schema: { type: 'object' } } },
          },
        },
      },
    },

    '/webhook/trading-sweep': {
      post: {
        operationId: 'requestSweep',
        summary: 'Request a sweep',
        description:
          'Validates the request and appends `SweepRequested` to the log; answers once it is stored. The same Idempotency-Key with the same body answers the same job (`Idempotent-Replayed: true`). API-key requests of a tenant with a signing secret must carry `X-Zixly-Signature`.',
        tags: ['webhook'],
        permission: 'jobs:trigger',
        signed: true,
        headers: [
          {
            name: 'Idempotency-Key',
            in: 'header',
            required: false,
            description: 'The same key with the same body gives the same job (the job id is derived from it)',
            schema: { type: 'string', minLength: 1, maxLength: 255 },
          },
          {
            name: 'traceparent',
            in: 'header',
            required: false,
            description: 'W3C trace context to continue',
            schema: { type: 'string' },
          },
        ],
        body: { schema: SweepRequestBody, required: true },
        ok: {
          '202': res('Appended to the log', SweepAccepted, {
            Location: { description: 'The job (`status_url`)', schema: { type: 'string' } },
            'Idempotent-Replayed': {
              description: '`true` when an earlier request with this Idempotency-Key answered',
              schema: { type: 'string', enum: ['true'] },
            },
          }),
        },
        problems: { '422': 'The Idempotency-Key was used with another body' },
      },
    },
    '/webhook/jobs/{id}': {
      get: {
        operationId: 'getJob',
        summary: 'A job from the read model, with attempts, durations and its top results',
        tags: ['webhook'],
        permission: 'jobs:read',
        params: JobIdParams,
        ok: {
          '200': res('The job', JobDetail),
          '202': res('In the log but not yet projected: ask again', JobPending, {
            'Retry-After': ref('headers', 'Retry-After'),
          }),
        },
        problems: { '404': 'No such job (or not a job id)' },
      },
    },
    '/webhook/jobs/{id}/results': {
      get: {
        operationId: 'getJobResults',
        summary: 'A page of a job’s results',
        tags: ['webhook'],
        permission: 'jobs:read',
        params: JobIdParams,
        query: ResultsQuery,
        ok: { '200': res('Results', ResultsPage) },
        problems: { '404': 'No such job' },
      },
    },
    '/webhook/jobs/{id}/results.csv': {
      get: {
        operationId: 'exportJobResults',
        summary: 'Every result of a job as CSV (streamed)',
        tags: ['webhook'],
        permission: 'jobs:read',
        params: JobIdParams,
        query: ResultsCsvQuery,
        ok: {
          '200': {
            description: 'The results, one row each, with a header line',
            headers: {
              'Content-Disposition': {
                description: '`attachment; filename="zixly-<id>-results.csv"`',
                schema: { type: 'string' },
              },
            },
            content: { 'text/csv': { schema: { type: 'string' } } },
          },
        },
        problems: { '404': 'No such job' },
      },
    },
    '/webhook/sweep-callback': {
      post: {
        operationId: 'sweepCallback',
        summary: 'A Trading API reports on a sweep (either dialect)',
        description:
          'The real service’s status body (job id in the body or `X-Job-ID`) or the seed worker’s `{event_type}` body; relayed to the executor waiting for the job. Authenticated by the per-job `token` the executor put in the `webhook_url`, not by API key or session.',
        tags: ['webhook'],
        permission: 'public',
        query: SweepCallbackQuery,
        headers: [
          {
            name: 'X-Job-ID',
            in: 'header',
            required: false,
            description: 'The job (real service dialect)',
            schema: { type: 'string' },
          },
        ],
        body: { schema: z.union([TradingApiCallback, SeedSweepCallback]), required: true },
        ok: { '200': res('Relayed', SweepCallbackReceived) },
        problems: { '401': 'Missing or invalid callback token (or job_id / tenant)' },
        security: [{ CallbackToken: [] }],
      },
    },

    '/api/jobs': {
      get: {
        operationId: 'listJobs',
        summary: 'Jobs, newest first, filtered and paged by cursor',
        description: '`status` may repeat or be comma-separated (`status=RUNNING,QUEUED`).',
        tags: ['jobs'],
        permission: 'jobs:read',
        query: JobsQuery,
        ok: { '200': res('A page of jobs', JobsPage) },
      },
    },
    '/api/jobs/changes': {
      get: {
        operationId: 'jobChanges',
        summary: 'Jobs whose read model changed after a checkpoint (resume of the dashboard’s change stream)',
        tags: ['jobs'],
        permission: 'jobs:read',
        query: JobChangesQuery,
        ok: { '200': res('The changed jobs and the next checkpoint', JobChanges) },
      },
    },
    '/api/jobs/counts': {
      get: {
        operationId: 'countJobs',
        summary: 'Jobs per status for the list’s filters',
        tags: ['jobs'],
        permission: 'jobs:read',
        query: JobCountsQuery,
        ok: { '200': res('Counts', JobCounts) },
      },
    },
    '/api/jobs/{id}/timeline': {
      get: {
        operationId: 'jobTimeline',
        summary: 'Every event of a job, in log order',
        tags: ['jobs'],
        permission: 'jobs:read',
        params: JobIdParams,
        ok: { '200': res('The timeline', Timeline) },
        problems: { '404': 'No such job' },
      },
    },
    '/api/stats': {
      get: {
        operationId: 'stats',
        summary: 'The tenant’s jobs at a glance: counts, queue depth, windows, throughput',
        tags: ['jobs'],
        permission: 'jobs:read',
        ok: { '200': res('Stats', TenantStats) },
      },
    },
    '/api/jobs/{id}/cancel': {
      post: {
        operationId: 'cancelJob',
        summary: 'Cancel a job',
        tags: ['control'],
        permission: 'jobs:cancel',
        params: JobIdParams,
        body: { schema: JobActionBody, required: false, description: reason },
        ok: {
          '202': res('`SweepCancelled` appended', JobActionAccepted),
          '200': res('Already cancelled: nothing changed (`unchanged: true`)', JobActionAccepted),
        },
        problems: {
          '404': 'No such job',
          '409': 'The job already finished (`JOB_FINISHED`) or moved on meanwhile',
        },
      },
    },
    '/api/jobs/{id}/retry': {
      post: {
        operationId: 'retryJob',
        summary: 'Run a failed or cancelled job again (a new attempt chain)',
        tags: ['control'],
        permission: 'jobs:retry',
        params: JobIdParams,
        body: { schema: JobActionBody, required: false, description: reason },
        ok: { '202': res('`SweepRetried` appended', JobActionAccepted) },
        problems: {
          '404': 'No such job',
          '409': 'The job is neither FAILED nor CANCELLED (`JOB_NOT_RETRYABLE`) or moved on meanwhile',
        },
      },
    },
    '/api/jobs/retry': {
      post: {
        operationId: 'retryJobs',
        summary: 'Retry every finished job matching a filter (oldest first, up to `limit`)',
        tags: ['control'],
        permission: 'jobs:retry',
        body: { schema: BulkRetryBody, required: false, description: 'The filter (empty: FAILED jobs)' },
        ok: { '202': res('Retried; jobs that moved on meanwhile are skipped', BulkRetryResult) },
      },
    },
    '/api/dead-letters': {
      get: {
        operationId: 'listDeadLetters',
        summary: 'Dead letters, newest first',
        tags: ['control'],
        permission: 'deadletters:read',
        query: DeadLettersQuery,
        ok: { '200': res('A page of dead letters', DeadLettersPage) },
      },
    },
    '/api/dead-letters/{id}/redrive': {
      post: {
        operationId: 'redriveDeadLetter',
        summary: 'Run a dead letter’s job again',
        tags: ['control'],
        permission: 'deadletters:redrive',
        params: DeadLetterIdParams,
        ok: { '202': res('`SweepRetried` appended for its job', JobActionAccepted) },
        problems: {
          '404': 'No such dead letter (or its job is gone)',
          '409': 'It names no job (`NOT_REDRIVABLE`), or its job is not FAILED or CANCELLED',
        },
      },
    },
    '/api/dispatch': {
      get: {
        operationId: 'dispatchStates',
        summary: 'Whether dispatch is paused: for every tenant (`tenant_id: null`) and for this one',
        tags: ['control'],
        permission: 'jobs:read',
        ok: { '200': res('Dispatch states', z.array(DispatchState)) },
      },
    },
    ...Object.fromEntries(
      (['pause', 'resume'] as const).map((action) => [
        `/api/dispatch/${action}`,
        {
          post: {
            operationId: `${action}Dispatch`,
            summary: `${action === 'pause' ? 'Pause' : 'Resume'} dispatch of new attempts (this tenant, or every tenant without \`tenant_id\`)`,
            tags: ['control'],
            permission: 'dispatch:pause',
            body: { schema: DispatchControlBody, required: false },
            ok: { '200': res('The dispatch state now', DispatchState) },
          } satisfies Route,
        },
      ]),
    ),

    '/api/auth/login': {
      post: {
        operationId: 'login',
        summary: 'Sign in: answers the user and sets the session cookie',
        tags: ['auth'],
        permission: 'public',
        body: { schema: LoginBody, required: true },
        ok: { '200': res('Signed in', AuthMe, { 'Set-Cookie': ref('headers', 'Set-Session-Cookie') }) },
        problems: {
          '401': 'Wrong email or password',
          '429': 'Too many attempts from this address or for this email',
        },
      },
    },
    '/api/auth/logout': {
      post: {
        operationId: 'logout',
        summary: 'Sign out: ends the session (if any) and clears the cookie',
        tags: ['auth'],
        permission: 'public',
        ok: { '204': res('Signed out', undefined, { 'Set-Cookie': ref('headers', 'Set-Session-Cookie') }) },
        security: [{}, { Session: [] }],
      },
    },
    '/api/auth/me': {
      get: {
        operationId: 'me',
        summary: 'Who the credentials belong to',
        tags: ['auth'],
        permission: 'authenticated',
        ok: { '200': res('The caller', AuthMe) },
      },
    },

    '/api/keys': {
      get: {
        operationId: 'listApiKeys',
        summary: 'The tenant’s API keys',
        tags: ['admin'],
        permission: 'keys:manage',
        ok: { '200': res('Keys', ApiKeysList) },
      },
      post: {
        operationId: 'createApiKey',
        summary: 'Create an API key (the key is shown in this answer only)',
        tags: ['admin'],
        permission: 'keys:manage',
        body: { schema: CreateApiKeyBody, required: true },
        ok: { '201': res('Created', ApiKeyCreated) },
        problems: { '409': 'The key exists (`API_KEY_EXISTS`)' },
      },
    },
    '/api/keys/{id}': {
      delete: {
        operationId: 'revokeApiKey',
        summary: 'Revoke an API key',
        tags: ['admin'],
        permission: 'keys:manage',
        params: ApiKeyIdParams,
        ok: { '200': res('Revoked', ApiKeyView) },
        problems: { '404': 'No such API key' },
      },
    },
    '/api/users': {
      get: {
        operationId: 'listUsers',
        summary: 'The tenant’s users',
        tags: ['admin'],
        permission: 'users:manage',
        ok: { '200': res('Users', UsersList) },
      },
      post: {
        operationId: 'createUser',
        summary: 'Create a user',
        tags: ['admin'],
        permission: 'users:manage',
        body: { schema: CreateUserBody, required: true },
        ok: { '201': res('Created', UserView) },
        problems: { '409': 'A user with this email exists (`USER_EXISTS`)' },
      },
    },
    '/api/users/{id}': {
      patch: {
        operationId: 'updateUser',
        summary: 'Change a user’s role or password, or disable it (its sessions end)',
        tags: ['admin'],
        permission: 'users:manage',
        params: UserIdParams,
        body: { schema: UpdateUserBody, required: true },
        ok: { '200': res('The user now', UserView) },
        problems: {
          '404': 'No such user',
          '409': 'One’s own role cannot be changed nor oneself disabled (`SELF_CHANGE`)',
        },
      },
      delete: {
        operationId: 'deleteUser',
        summary: 'Delete a user (its sessions end)',
        tags: ['admin'],
        permission: 'users:manage',
        params: UserIdParams,
        ok: { '204': res('Deleted') },
        problems: { '404': 'No such user', '409': 'One cannot delete oneself (`SELF_CHANGE`)' },
      },
    },
    '/api/settings': {
      get: {
        operationId: 'getSettings',
        summary: 'The tenant’s security settings',
        tags: ['admin'],
        permission: 'settings:manage',
        ok: { '200': res('Settings', TenantSettingsView) },
      },
      patch: {
        operationId: 'updateSettings',
        summary: 'Change rate limits; rotate or remove the webhook signing secret',
        tags: ['admin'],
        permission: 'settings:manage',
        body: { schema: UpdateTenantSettingsBody, required: true },
        ok: {
          '200': res('The settings, and a rotated signing secret (shown this once)', TenantSettingsUpdated),
        },
      },
    },
  }
}

const header = (description: string, schema: Json = { type: 'string' }) => ({ description, schema })

/** The OpenAPI document, generated from the same zod schemas the routes validate with. */
export function openApiDocument() {
  const paths = Object.fromEntries(
    Object.entries(routes()).map(([path, methods]) => [
      path,
      Object.fromEntries(Object.entries(methods).map(([method, route]) => [method, operation(route)])),
    ]),
  )
  return {
    openapi: '3.1.0',
    info: {
      title: 'Zixly ingest',
      version: '0.1.0',
      description: 'Webhook-triggered, event-sourced trading sweeps.',
    },
    tags: [
      { name: 'webhook', description: 'Sweep requests, job status and results' },
      { name: 'jobs', description: 'The read API of the dashboard and scripts' },
      { name: 'control', description: 'Cancel, retry, dead letters, dispatch' },
      { name: 'auth', description: 'People’s sessions' },
      { name: 'admin', description: 'A tenant’s API keys, users and settings' },
      { name: 'operations', description: 'Probes, metrics and this document' },
    ],
    paths,
    components: {
      schemas: { Problem: schemaOf(Problem) },
      headers: {
        'RateLimit-Limit': header('Requests allowed in the window', { type: 'integer' }),
        'RateLimit-Remaining': header('Requests left in the window', { type: 'integer' }),
        'RateLimit-Reset': header('Seconds until the window resets', { type: 'integer' }),
        'RateLimit-Policy': header('`<limit>;w=<window seconds>`'),
        'Retry-After': header('Seconds to wait before asking again', { type: 'integer' }),
        'WWW-Authenticate': header('`Bearer realm="zixly"`'),
        'Set-Session-Cookie': header(
          `\`${SESSION_COOKIE}=<id>; HttpOnly; SameSite=Strict; Path=/\` (and \`Secure\` but in development); empty with \`Max-Age=0\` on logout`,
        ),
      },
      securitySchemes: {
        ApiKey: {
          type: 'apiKey',
          in: 'header',
          name: 'X-API-Key',
          description: 'A tenant’s API key (`POST /api/keys`)',
        },
        Bearer: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'A JWT from the configured issuer, with `tenant_id` and `role` claims',
        },
        Session: {
          type: 'apiKey',
          in: 'cookie',
          name: SESSION_COOKIE,
          description: 'The session cookie `POST /api/auth/login` sets',
        },
        WebhookSignature: {
          type: 'apiKey',
          in: 'header',
          name: 'X-Zixly-Signature',
          description:
            '`t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" with the tenant’s signing secret>`; required of API-key requests when the tenant has a signing secret (`PATCH /api/settings`); each signature is accepted once, within a few minutes of `t`',
        },
        CallbackToken: {
          type: 'apiKey',
          in: 'query',
          name: 'token',
          description:
            'The per-job token (an HMAC of tenant and job with the callback secret) the executor put in the `webhook_url`',
        },
      },
    },
  }
}
