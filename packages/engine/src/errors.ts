// Named errors with stable codes, so shells can map them (400 for bad input, cancelled for aborts).

export class EngineInputError extends Error {
  override readonly name = 'EngineInputError'
  readonly code = 'ENGINE_INPUT'
  constructor(
    message: string,
    readonly issues: readonly string[] = [],
  ) {
    super(issues.length > 0 ? `${message}: ${issues.join('; ')}` : message)
  }
}

/** Thrown (or rejected) when a run is cancelled through its AbortSignal; `cause` is the signal's reason. */
export class AbortError extends Error {
  override readonly name = 'AbortError'
  readonly code = 'ABORT_ERR'
  constructor(cause?: unknown) {
    super('The sweep was aborted', cause === undefined ? undefined : { cause })
  }
}

/** Raised by the pool when a worker thread dies or cannot start. */
export class WorkerCrashedError extends Error {
  override readonly name = 'WorkerCrashedError'
  readonly code = 'ENGINE_WORKER_CRASHED'
}
