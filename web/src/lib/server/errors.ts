import { ZixlyError } from '@zixly/platform'

/** An answer from ingest that is not a success: its status and problem+json code, field errors kept. */
export class IngestError extends ZixlyError {
  constructor(
    status: number,
    code: string,
    message: string,
    readonly fields: Array<{ field: string; message: string }> = [],
    options?: { cause?: unknown },
  ) {
    super(code, status, message, { ...options, retryable: status >= 500 })
  }
}

/** Ingest did not answer (down, restarting, timed out). */
export class IngestUnavailable extends ZixlyError {
  constructor(cause: unknown) {
    super('INGEST_UNAVAILABLE', 503, 'the API is not answering; try again in a moment', { cause, retryable: true })
  }
}

/** Ingest has no "jobs changed since a checkpoint" query: the stream follows notices by job id instead. */
export class ChangesUnsupported extends ZixlyError {
  constructor() {
    super('CHANGES_UNSUPPORTED', 501, 'ingest does not answer GET /api/jobs/changes')
  }
}
