import { envInt } from '../lib/output.ts'

/**
 * Deployment settings of each side, from the environment with the bench's defaults. Each side gets
 * the knobs its users would turn for many small jobs on a 2-core machine (see bench/README.md).
 */
export function zixlyEnv(): Record<string, string> {
  const concurrency = String(envInt('EXECUTOR_CONCURRENCY', 32))
  // The orchestrator admits at most MAX_CONCURRENT_SWEEPS at once: as its docs say, the executors' total concurrency.
  const env: Record<string, string> = { EXECUTOR_CONCURRENCY: concurrency, MAX_CONCURRENT_SWEEPS: concurrency }
  for (const k of ['EXECUTOR_WORKERS', 'MAX_CONCURRENT_SWEEPS', 'MAX_CONCURRENT_SWEEPS_PER_TENANT', 'PROJECTOR_BATCH_SIZE']) {
    const v = process.env[k]
    if (v !== undefined && v !== '') env[k] = v
  }
  return env
}

export function bullmqSettings() {
  return { workers: Math.max(1, envInt('BQ_WORKERS', 1)), concurrency: Math.max(1, envInt('BQ_CONCURRENCY', 32)) }
}
