import { z } from 'zod'
import { SUBJECT_TOKEN } from './names.ts'
import { checkSweepRules, Interval, StrategyType, Ticker, WindowRange } from './sweep.ts'

// The Trading API as two kinds of clients speak it: the real external service (JSON, DESIGN.md
// "The sweep") and the seed's own worker (form-encoded submit, `/best`, `{event_type}` callbacks).
// Schemas describe the wire: lenient where the real service is loose, strict where a mistake would
// silently change a sweep.

/** Status of a job on a Trading API. */
export const TradingApiJobState = z.enum(['pending', 'running', 'completed', 'failed', 'cancelled'])
export type TradingApiJobState = z.infer<typeof TradingApiJobState>

/** Terminal states: the job changes no more. */
export const TRADING_API_TERMINAL_STATES: readonly TradingApiJobState[] = ['completed', 'failed', 'cancelled']

// A form field arrives as a string: numbers as "5", ranges as "[10,20]", an empty field as "".
const blankToUndefined = (v: unknown) => (v === '' || v === null ? undefined : v)
const numberish = (v: unknown) => {
  const b = blankToUndefined(v)
  return typeof b === 'string' && /^\s*-?\d+(\.\d+)?([eE][+-]?\d+)?\s*$/.test(b) ? Number(b) : b
}
const jsonish = (v: unknown) => {
  const b = blankToUndefined(v)
  if (typeof b !== 'string') return b
  try {
    return JSON.parse(b) as unknown
  } catch {
    return b
  }
}
const int = (field: string) => z.number({ error: `${field} must be an integer` }).int(`${field} must be an integer`)
const num = (field: string) => z.number({ error: `${field} must be a number` })
/** A form field: numeric strings become numbers, a blank field takes the default. */
const form = <T extends z.ZodType>(s: T) => z.preprocess(numberish, s)
const range = z.preprocess(jsonish, WindowRange)
const optionalString = <T extends z.ZodType>(s: T) => z.preprocess(blankToUndefined, s.optional())
const IsoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}:\d{2})?$/, 'must be YYYY-MM-DD')

/**
 * `POST /api/v1/strategy/sweep`, in either dialect: JSON with arrays, or form-encoded with
 * `fast_range` / `slow_range` as JSON strings. Zixly's extensions (signal period, interval, dates,
 * fee, cash, annualisation) are optional; the real service ignores unknown fields.
 */
export const TradingApiSweepRequest = z
  .object({
    ticker: Ticker,
    fast_range: range,
    slow_range: range,
    step: form(int('step').min(1).max(1000).default(1)),
    min_trades: form(int('min_trades').min(0).max(100_000).default(50)),
    strategy_type: z.preprocess(blankToUndefined, StrategyType.default('SMA')),
    webhook_url: optionalString(z.url().max(2048)),
    webhook_headers: z.preprocess(jsonish, z.record(z.string(), z.string()).optional()),
    /** The seed worker's preset name; echoed, it changes nothing here. */
    config_path: optionalString(z.enum(['minimum', 'standard'])),
    signal_period: form(int('signal_period').min(1).max(500).default(9)),
    interval: z.preprocess(blankToUndefined, Interval.default('1d')),
    start: optionalString(IsoDate),
    end: optionalString(IsoDate),
    fee: form(num('fee').min(0).max(0.1).default(0.001)),
    init_cash: form(num('init_cash').positive().max(1e12).default(1000)),
    ann_factor: form(num('ann_factor').positive().max(1e6).optional()),
  })
  .superRefine((body, ctx) => {
    for (const issue of checkSweepRules(body)) ctx.addIssue({ code: 'custom', ...issue })
  })
/** A sweep request after defaults. */
export type TradingApiSweepRequest = z.output<typeof TradingApiSweepRequest>
/** What a client sends in the JSON dialect. */
export interface TradingApiSweepRequestInput {
  ticker: string
  fast_range: readonly [number, number]
  slow_range: readonly [number, number]
  step?: number
  min_trades?: number
  strategy_type?: StrategyType
  webhook_url?: string
  webhook_headers?: Record<string, string>
  config_path?: 'minimum' | 'standard'
  signal_period?: number
  interval?: Interval
  start?: string
  end?: string
  fee?: number
  init_cash?: number
  ann_factor?: number
}

/** The seed worker's form body: every field a string, ranges as JSON. */
export function toSeedSweepForm(req: {
  ticker: string
  fast_range: readonly [number, number]
  slow_range: readonly [number, number]
  step?: number
  min_trades?: number
  strategy_type?: string
  config_path?: 'minimum' | 'standard'
  webhook_url?: string
}): Record<string, string> {
  const form: Record<string, string> = {
    ticker: req.ticker,
    fast_range: JSON.stringify(req.fast_range),
    slow_range: JSON.stringify(req.slow_range),
  }
  if (req.step !== undefined) form.step = String(req.step)
  if (req.min_trades !== undefined) form.min_trades = String(req.min_trades)
  if (req.strategy_type !== undefined) form.strategy_type = req.strategy_type
  if (req.config_path !== undefined) form.config_path = req.config_path
  if (req.webhook_url !== undefined) form.webhook_url = req.webhook_url
  return form
}

/** Answer to a submit: the real service's fields, plus the seed worker's (`message`, `parameters`, …). */
export const TradingApiSubmitted = z.object({
  job_id: z.string().min(1),
  status: TradingApiJobState,
  created_at: z.string(),
  status_url: z.string(),
  stream_url: z.string(),
  message: z.string().optional(),
  parameters: z
    .object({
      ticker: z.string(),
      fast_range: z.tuple([z.number(), z.number()]),
      slow_range: z.tuple([z.number(), z.number()]),
      step: z.number(),
      combinations: z.number().int(),
    })
    .optional(),
  estimated_duration_seconds: z.number().optional(),
  webhook_url: z.string().nullable().optional(),
})
export type TradingApiSubmitted = z.infer<typeof TradingApiSubmitted>

/** `result_data` of a finished job; the real service may add more keys. */
export const TradingApiResultData = z.looseObject({
  sweep_run_id: z.string().optional(),
  total_combinations: z.number().int().optional(),
  execution_time_seconds: z.number().optional(),
  completed_at: z.string().optional(),
})

/** `GET /api/v1/jobs/{id}`: `sweep_run_id` nested (real service) and at the top level (seed worker). */
export const TradingApiJob = z.looseObject({
  job_id: z.string().min(1),
  status: TradingApiJobState,
  progress: z.number().min(0).max(100).nullish(),
  result_data: TradingApiResultData.nullish(),
  error_message: z.string().nullish(),
  created_at: z.string().nullish(),
  started_at: z.string().nullish(),
  completed_at: z.string().nullish(),
  sweep_run_id: z.string().nullish(),
})
export type TradingApiJob = z.infer<typeof TradingApiJob>

/** The real service's callback: the job status plus `webhook_sent_at`, header `X-Job-ID`. */
export const TradingApiCallback = TradingApiJob.extend({ webhook_sent_at: z.string().optional() })
export type TradingApiCallback = z.infer<typeof TradingApiCallback>

/** The seed worker's callback body. */
export const SeedSweepCallback = z
  .object({
    event_type: z.enum(['sweep.completed', 'sweep.failed']),
    job_id: z.string().min(1),
    sweep_run_id: z.string().nullish(),
    status: z.enum(['completed', 'failed']),
    ticker: z.string(),
    error_message: z.string().nullish(),
    timestamp: z.string(),
    result_data: z
      .object({
        sweep_run_id: z.string(),
        total_combinations: z.number().int(),
        execution_time_seconds: z.number(),
        completed_at: z.string(),
      })
      .nullish(),
  })
  .refine((c) => c.event_type === `sweep.${c.status}`, { path: ['status'], message: 'does not match event_type' })
export type SeedSweepCallback = z.infer<typeof SeedSweepCallback>

/** One callback, whichever dialect it came in. */
export interface NormalizedCallback {
  job_id: string
  status: TradingApiJobState
  sweep_run_id?: string
  error_message?: string
  progress?: number
}

/** A normalized callback as ingest relays it to the waiting executor over NATS. */
export const RelayedCallback = z.object({
  job_id: z.string().min(1).max(200),
  status: TradingApiJobState,
  sweep_run_id: z.string().max(200).optional(),
  error_message: z.string().max(5000).optional(),
  progress: z.number().min(0).max(100).optional(),
})

/**
 * Query of ingest's `POST /webhook/sweep-callback`: the job and tenant, and the per-job token the
 * executor put in the `webhook_url` (an HMAC with the callback secret).
 */
export const SweepCallbackQuery = z.object({
  job_id: z.uuid(),
  tenant: z.string().regex(SUBJECT_TOKEN),
  token: z.string().min(1).max(200),
})
export type SweepCallbackQuery = z.infer<typeof SweepCallbackQuery>

/** Answer to `POST /webhook/sweep-callback`: the callback was relayed to the executor waiting for it. */
export const SweepCallbackReceived = z.object({
  received: z.literal(true),
  job_id: z.uuid(),
  status: TradingApiJobState,
  dialect: z.enum(['trading-api', 'seed-worker']),
})
export type SweepCallbackReceived = z.infer<typeof SweepCallbackReceived>

export type ParsedCallback =
  | { ok: true; dialect: 'trading-api' | 'seed-worker'; callback: NormalizedCallback }
  | { ok: false; errors: Array<{ field: string; message: string }> }

type HeaderBag = Record<string, string | string[] | undefined> | { get(name: string): string | null }

function header(headers: HeaderBag, name: string): string | undefined {
  if (typeof headers.get === 'function') return (headers as { get(n: string): string | null }).get(name) ?? undefined
  for (const [k, v] of Object.entries(headers as Record<string, unknown>))
    if (k.toLowerCase() === name) return Array.isArray(v) ? (v[0] as string | undefined) : (v as string | undefined)
  return undefined
}

const fieldErrors = (e: z.ZodError) =>
  e.issues.map((i) => ({ field: i.path.length > 0 ? i.path.join('.') : '(body)', message: i.message }))

/**
 * Accepts the real service's callback (status body + `X-Job-ID`) or the seed worker's
 * (`{event_type: "sweep.completed" | "sweep.failed", …}`) and returns one shape, or the field
 * errors of the dialect the body looks closest to (for a 400 problem+json).
 */
export function parseTradingApiCallback(body: unknown, headers: HeaderBag = {}): ParsedCallback {
  const headerJobId = header(headers, 'x-job-id')
  const isSeed = typeof body === 'object' && body !== null && 'event_type' in body
  const withJobId =
    !isSeed && headerJobId !== undefined && typeof body === 'object' && body !== null && !('job_id' in body)
      ? { ...body, job_id: headerJobId }
      : body
  const parsed = isSeed ? SeedSweepCallback.safeParse(body) : TradingApiCallback.safeParse(withJobId)
  if (!parsed.success) return { ok: false, errors: fieldErrors(parsed.error) }
  const d = parsed.data
  if (headerJobId !== undefined && headerJobId !== d.job_id)
    return { ok: false, errors: [{ field: 'X-Job-ID', message: `header ${headerJobId} does not match job_id ${d.job_id}` }] }
  const sweepRunId = d.sweep_run_id ?? d.result_data?.sweep_run_id ?? undefined
  const callback: NormalizedCallback = { job_id: d.job_id, status: d.status }
  if (sweepRunId) callback.sweep_run_id = sweepRunId
  if (d.error_message) callback.error_message = d.error_message
  if ('progress' in d && typeof d.progress === 'number') callback.progress = d.progress
  else if (isSeed) callback.progress = d.status === 'completed' ? 100 : 0
  return { ok: true, dialect: isSeed ? 'seed-worker' : 'trading-api', callback }
}

const metric = z.number().nullable()
/**
 * One result as a Trading API returns it: the SCORE.md fields (the reference service writes a
 * zero metric as null), plus whatever it adds (`result_id`, `ticker`, `strategy_type`, …).
 */
export const TradingApiResultRow = z.looseObject({
  fast_period: z.number().int(),
  slow_period: z.number().int(),
  score: metric,
  sharpe_ratio: metric,
  sortino_ratio: metric,
  calmar_ratio: metric,
  total_return_pct: metric,
  annualized_return: metric,
  max_drawdown_pct: metric,
  max_drawdown_duration: z.string().nullable(),
  win_rate_pct: metric,
  profit_factor: metric,
  expectancy_per_trade: metric,
  total_trades: z.number().int().nullable(),
  total_closed_trades: z.number().int().nullable(),
  trades_per_month: metric,
  avg_trade_duration: z.string().nullable(),
  beats_bnh_pct: metric,
  rank_for_ticker: z.number().int().min(1).nullish(),
  ticker: z.string().optional(),
  strategy_type: z.string().optional(),
})
export type TradingApiResultRow = z.infer<typeof TradingApiResultRow>

/** `GET /api/v1/sweeps/{sweep_run_id}?limit≤500&offset`. */
export const TradingApiSweepPage = z.object({
  sweep_run_id: z.string(),
  total_count: z.number().int().min(0),
  returned_count: z.number().int().min(0),
  offset: z.number().int().min(0),
  limit: z.number().int().min(1),
  results: z.array(TradingApiResultRow),
})
export type TradingApiSweepPage = z.infer<typeof TradingApiSweepPage>

/** `/sweeps/{id}/best`, `/sweeps/{id}/best-per-ticker` and `/sweeps/latest`, with the seed worker's extra fields. */
export const TradingApiBestResults = z.object({
  sweep_run_id: z.string(),
  run_date: z.string(),
  total_results: z.number().int().min(0),
  results: z.array(TradingApiResultRow),
  ticker: z.string().nullish(),
  returned: z.number().int().min(0).optional(),
  query_timestamp: z.string().optional(),
})
export type TradingApiBestResults = z.infer<typeof TradingApiBestResults>

/** One event of `GET /api/v1/jobs/{id}/stream` (`percent` / `message` / `done` as the real service sends them). */
export const TradingApiProgressEvent = z.object({
  job_id: z.string(),
  status: TradingApiJobState,
  progress: z.number().min(0).max(100),
  percent: z.number().min(0).max(100),
  message: z.string(),
  done: z.boolean(),
  error: z.string().optional(),
})
export type TradingApiProgressEvent = z.infer<typeof TradingApiProgressEvent>

/** `GET /health` and `GET /health/`. */
export const TradingApiHealth = z.looseObject({ status: z.literal('healthy') })
