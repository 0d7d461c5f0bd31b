import { envInt } from '../lib/output.ts'

/**
 * Deployment settings of each side, from the environment with the bench's defaults. Each side gets
 * the knobs its users would turn for many small jobs on a 2-core machine (see bench/README.md).
 */
export function zixlyEnv(): Record<string, string> {
  // Zixly runs at its defaults (EXECUTOR_CONCURRENCY 16 = MAX_CONCURRENT_SWEEPS 16), as `npm start` runs
  // it; EXECUTOR_CONCURRENCY set alone also sets the orchestrator's global limit to it (as its docs ask).
  const env: Record<string, string> = {}
  const concurrency = process.env.EXECUTOR_CONCURRENCY
  if (concurrency) Object.assign(env, { EXECUTOR_CONCURRENCY: concurrency, MAX_CONCURRENT_SWEEPS: concurrency })
  for (const k of ['EXECUTOR_WORKERS', 'MAX_CONCURRENT_SWEEPS', 'MAX_CONCURRENT_SWEEPS_PER_TENANT', 'PROJECTOR_BATCH_SIZE', 'RESULTS_ARCHIVE', 'EXECUTOR_INLINE_STEPS', 'SWEEP_SLOT_PAIRS']) {
    const v = process.env[k]
    if (v !== undefined && v !== '') env[k] = v
  }
  return env
}

export function bullmqSettings() {
  return { workers: Math.max(1, envInt('BQ_WORKERS', 1)), concurrency: Math.max(1, envInt('BQ_CONCURRENCY', 32)) }
}
