import { z } from 'zod'

/** Backtest strategies the engine implements (see SCORE.md). */
export const StrategyType = z.enum(['SMA', 'EMA', 'MACD'])
export type StrategyType = z.infer<typeof StrategyType>

/** Bar interval of the price series. */
export const Interval = z.enum(['1d', '1h'])
export type Interval = z.infer<typeof Interval>

/** A ticker as the market-data pack names its files: letters, digits, `.`, `-`, `^`, `=`, `_`. */
export const Ticker = z
  .string({ error: 'ticker is required and must be a string' })
  .min(1, 'ticker must not be empty')
  .max(20, 'ticker must be at most 20 characters')
  .regex(/^[A-Za-z0-9][A-Za-z0-9.^=_-]*$/, 'ticker may hold only letters, digits and . ^ = _ -')

const Window = z.number({ error: 'must be an integer' }).int('must be an integer').min(1).max(5000)

/** An inclusive `[from, to]` window range. */
export const WindowRange = z
  .tuple([Window, Window], { error: 'must be an array of two integers [from, to]' })
  .refine(([a, b]) => a <= b, { message: 'from must be ≤ to' })

const IsoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}:\d{2})?$/, 'must be YYYY-MM-DD')

/** Largest grid one request may ask for (protects the executors). */
export const MAX_COMBINATIONS = 100_000

/** Parameters of a sweep after defaults: what the engine and the event log see. */
export const SweepParams = z.object({
  ticker: Ticker,
  strategy_type: StrategyType,
  fast_range: WindowRange,
  slow_range: WindowRange,
  step: z.number().int().min(1).max(1000),
  min_trades: z.number().int().min(0).max(100_000),
  signal_period: z.number().int().min(1).max(500),
  interval: Interval,
  start: IsoDate.optional(),
  end: IsoDate.optional(),
  fee: z.number().min(0).max(0.1),
  init_cash: z.number().positive().max(1e12),
  ann_factor: z.number().positive().max(1e6).optional(),
  priority: z.number().int().min(0).max(9),
  max_attempts: z.number().int().min(1).max(10),
  timeout_seconds: z.number().int().min(1).max(86_400).optional(),
  callback_url: z.url().optional(),
})
export type SweepParams = z.infer<typeof SweepParams>

/** Checks the rules between fields; each issue names the field it is about. */
export function checkSweepRules(p: {
  fast_range: readonly [number, number]
  slow_range: readonly [number, number]
  step: number
  start?: string | undefined
  end?: string | undefined
}): Array<{ path: string[]; message: string }> {
  const issues: Array<{ path: string[]; message: string }> = []
  if (p.fast_range[0] >= p.slow_range[0])
    issues.push({ path: ['fast_range'], message: 'fast_range[0] must be less than slow_range[0]' })
  if (p.fast_range[1] >= p.slow_range[1])
    issues.push({ path: ['slow_range'], message: 'fast_range[1] must be less than slow_range[1]' })
  if (p.start !== undefined && p.end !== undefined && p.start > p.end)
    issues.push({ path: ['end'], message: 'end must not be before start' })
  if (issues.length === 0) {
    const n = countPairs(p.fast_range, p.slow_range, p.step)
    if (n === 0) issues.push({ path: ['step'], message: 'the grid holds no pair with fast < slow' })
    if (n > MAX_COMBINATIONS)
      issues.push({ path: ['step'], message: `the grid holds ${n} pairs, more than ${MAX_COMBINATIONS}` })
  }
  return issues
}

/** The windows of one range: from, from+step, … up to and including `to` when on the step. */
export function windows(range: readonly [number, number], step: number): number[] {
  const out: number[] = []
  for (let w = range[0]; w <= range[1]; w += step) out.push(w)
  return out
}

/** The (fast, slow) pairs of a grid, fast < slow, in fast-major order. */
export function gridPairs(
  fast: readonly [number, number],
  slow: readonly [number, number],
  step: number,
): Array<[number, number]> {
  const pairs: Array<[number, number]> = []
  const slows = windows(slow, step)
  for (const f of windows(fast, step)) for (const s of slows) if (f < s) pairs.push([f, s])
  return pairs
}

/** Number of pairs in a grid without building it. */
export function countPairs(fast: readonly [number, number], slow: readonly [number, number], step: number) {
  let n = 0
  const slows = windows(slow, step)
  for (const f of windows(fast, step)) for (const s of slows) if (f < s) n++
  return n
}

/** The webhook body: the seed's five fields plus optional ones with defaults. */
export const SweepRequestBody = z
  .strictObject({
    ticker: Ticker,
    fast_range: WindowRange,
    slow_range: WindowRange,
    step: z.number({ error: 'step must be an integer' }).int('step must be an integer').min(1).max(1000).default(1),
    strategy_type: StrategyType.default('SMA'),
    min_trades: z.number().int().min(0).max(100_000).default(50),
    signal_period: z.number().int().min(1).max(500).default(9),
    interval: Interval.default('1d'),
    start: IsoDate.optional(),
    end: IsoDate.optional(),
    fee: z.number().min(0).max(0.1).default(0.001),
    init_cash: z.number().positive().max(1e12).default(1000),
    ann_factor: z.number().positive().max(1e6).optional(),
    priority: z.number().int().min(0).max(9).default(5),
    max_attempts: z.number().int().min(1).max(10).default(3),
    timeout_seconds: z.number().int().min(1).max(86_400).optional(),
    callback_url: z.url().max(2048).optional(),
  })
  .superRefine((body, ctx) => {
    for (const issue of checkSweepRules(body)) ctx.addIssue({ code: 'custom', ...issue })
  })
export type SweepRequestBody = z.input<typeof SweepRequestBody>
