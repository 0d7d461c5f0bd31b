import { z } from 'zod'
import { EngineInputError } from './errors.ts'
import type { SweepSpec } from './types.ts'

// The engine trusts nothing it did not compute: a bad fee or a zero price would otherwise
// surface as NaN/Infinity deep inside a row that goes to Postgres.

const window = z.number().int().min(1).max(1_000_000)

export const backtestOptionsSchema = z.object({
  fee: z.number().min(0).lt(1),
  initCash: z.number().positive().max(1e300),
  annFactor: z.number().positive().max(1e9),
  signalPeriod: window,
  barUnit: z.enum(['days', 'bars']),
})

export const sweepSpecSchema = backtestOptionsSchema.extend({
  strategy: z.enum(['SMA', 'EMA', 'MACD']),
  pairs: z
    .array(z.tuple([window, window]).refine(([f, s]) => f < s, 'fast must be < slow'))
    .readonly(),
  minTrades: z.number().int().min(0),
})

function issuesOf(error: z.ZodError): string[] {
  return error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
}

export function parseSweepSpec(spec: unknown): SweepSpec {
  const parsed = sweepSpecSchema.safeParse(spec)
  if (!parsed.success) throw new EngineInputError('invalid sweep spec', issuesOf(parsed.error))
  return parsed.data as SweepSpec
}

export function parseBacktestOptions<T>(o: T): T {
  const parsed = backtestOptionsSchema.safeParse(o)
  if (!parsed.success) throw new EngineInputError('invalid backtest options', issuesOf(parsed.error))
  return o
}

/** Prices must be finite and > 0: buying divides by the price. */
export function assertCloses(closes: Float64Array): void {
  for (let i = 0; i < closes.length; i++) {
    const x = closes[i]!
    if (!(x > 0) || x === Infinity) {
      throw new EngineInputError('invalid closes', [`closes[${i}] = ${x} (must be finite and > 0)`])
    }
  }
}
