/** Base of every typed error: a stable code, an HTTP status, and whether retrying may help. */
export class ZixlyError extends Error {
  readonly code: string
  readonly status: number
  readonly retryable: boolean
  constructor(code: string, status: number, message: string, options?: { cause?: unknown; retryable?: boolean }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.name = new.target.name
    this.code = code
    this.status = status
    this.retryable = options?.retryable ?? false
  }
}

/** A dependency (NATS, Postgres, Redis, …) does not answer. */
export class DependencyUnavailable extends ZixlyError {
  constructor(
    readonly dependency: string,
    readonly where: string,
    cause: unknown,
  ) {
    super('DEPENDENCY_UNAVAILABLE', 503, `cannot reach ${dependency} at ${where}: ${describe(cause)}`, {
      cause,
      retryable: true,
    })
  }
}

export class ValidationError extends ZixlyError {
  constructor(
    message: string,
    readonly fields: Array<{ field: string; message: string }> = [],
  ) {
    super('VALIDATION_FAILED', 400, message)
  }
}
export class Unauthorized extends ZixlyError {
  constructor(message = 'authentication required') {
    super('UNAUTHORIZED', 401, message)
  }
}
export class Forbidden extends ZixlyError {
  constructor(message = 'not allowed') {
    super('FORBIDDEN', 403, message)
  }
}
export class NotFound extends ZixlyError {
  constructor(message = 'not found') {
    super('NOT_FOUND', 404, message)
  }
}
export class Conflict extends ZixlyError {
  constructor(message: string, code = 'CONFLICT') {
    super(code, 409, message)
  }
}
export class RateLimited extends ZixlyError {
  constructor(readonly retryAfterSeconds: number) {
    super('RATE_LIMITED', 429, 'too many requests')
  }
}

/** The last append to a job's subject was not the one the writer expected. */
export class ConcurrencyError extends ZixlyError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('WRONG_EXPECTED_SEQUENCE', 409, message, options)
  }
}

/** One readable line for any thrown value (never a stack). */
export function describe(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) return describe(err.errors[0])
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code
    return typeof code === 'string' && !err.message.includes(code) ? `${code} ${err.message}` : err.message
  }
  return String(err)
}
