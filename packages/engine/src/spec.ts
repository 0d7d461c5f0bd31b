import { z } from 'zod'
import { EngineInputError } from './errors.ts'
import type { SweepSpec } from './types.ts'

// The engine trusts nothing it did not compute: a bad fee or a zero price would otherwise
// surface as NaN/Infinity deep inside a row that goes to Postgres.

const MAX_WINDOW = 1_000_000
const window = z.number().int().min(1).max(MAX_WINDOW)

export const backtestOptionsSchema = z.object({
  fee: z.number().min(0).lt(1),
  initCash: z.number().positive().max(1e300),
  annFactor: z.number().positive().max(1e9),
  signalPeriod: window,
  barUnit: z.enum(['days', 'bars']),
})

const pairSchema = z.tuple([window, window]).refine(([f, s]) => f < s, 'fast must be < slow')

export const sweepSpecSchema = backtestOptionsSchema.extend({
  strategy: z.enum(['SMA', 'EMA', 'MACD']),
  pairs: z.array(pairSchema).readonly(),
  minTrades: z.number().int().min(0),
})

const scalarsSchema = sweepSpecSchema.omit({ pairs: true })

function issuesOf(error: z.ZodError, prefix = ''): string[] {
  return error.issues.map((i) => `${prefix}${i.path.join('.') || '(root)'}: ${i.message}`)
}

const isWindow = (x: unknown): x is number => Number.isInteger(x) && (x as number) >= 1 && (x as number) <= MAX_WINDOW

/**
 * Validates a spec; same rules as `sweepSpecSchema`, but the (possibly 10^5-long) pair list is
 * checked with a plain loop (zod costs ~10 ms per 8k pairs) and zod only explains bad pairs.
 */
export function parseSweepSpec(spec: unknown): SweepSpec {
  const { pairs, ...scalars } = (typeof spec === 'object' && spec !== null ? spec : {}) as Record<string, unknown>
  const issues: string[] = []
  const parsed = scalarsSchema.safeParse(scalars)
  if (!parsed.success) issues.push(...issuesOf(parsed.error))
  if (!Array.isArray(pairs)) {
    issues.push('pairs: expected an array of [fast, slow]')
  } else {
    pairs.forEach((pair: unknown, i) => {
      const ok = Array.isArray(pair) && pair.length === 2 && isWindow(pair[0]) && isWindow(pair[1]) && pair[0] < pair[1]
      if (ok) return
      const why = pairSchema.safeParse(pair)
      issues.push(...(why.success ? [`pairs.${i}: invalid`] : issuesOf(why.error, `pairs.${i}.`)))
    })
  }
  if (issues.length > 0) throw new EngineInputError('invalid sweep spec', issues)
  return { ...(parsed.data as Omit<SweepSpec, 'pairs'>), pairs: pairs as SweepSpec['pairs'] }
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
