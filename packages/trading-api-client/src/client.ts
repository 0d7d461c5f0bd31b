import {
  SweepResultRow,
  TradingApiJob,
  TradingApiSubmitted,
  TradingApiSweepPage,
  type SweepParams,
  type TradingApiResultRow,
  type TradingApiSweepRequestInput,
} from '@zixly/contracts'
import { inChildSpan, SpanKind, withTraceHeaders, type Metrics } from '@zixly/platform'
import type { z } from 'zod'
import { TradingApiError } from './errors.ts'

export interface TradingApiClientOptions {
  /** e.g. `http://127.0.0.1:8000`; paths are appended to it. */
  baseUrl: string
  apiKey?: string | undefined
  /** Limit of each call, reading the body included. */
  timeoutMs: number
  fetch?: typeof fetch
  metrics?: Pick<Metrics, 'tradingApiLatency' | 'tradingApiErrors'>
}

/** The sweep as Zixly knows it; fields a Trading API does not take (priority, attempts, …) are left out. */
export type RemoteSweepParams = Pick<SweepParams, 'ticker' | 'fast_range' | 'slow_range' | 'step' | 'min_trades' | 'strategy_type'> &
  Partial<Pick<SweepParams, 'signal_period' | 'interval' | 'start' | 'end' | 'fee' | 'init_cash' | 'ann_factor'>>

export interface CallOptions {
  signal?: AbortSignal | undefined
}

/** Largest page the real service serves. */
export const PAGE_LIMIT = 500

function toWire(p: RemoteSweepParams, webhookUrl?: string, webhookHeaders?: Record<string, string>): TradingApiSweepRequestInput {
  const body: TradingApiSweepRequestInput = {
    ticker: p.ticker,
    fast_range: p.fast_range,
    slow_range: p.slow_range,
    step: p.step,
    min_trades: p.min_trades,
    strategy_type: p.strategy_type,
  }
  for (const k of ['signal_period', 'interval', 'start', 'end', 'fee', 'init_cash', 'ann_factor'] as const)
    if (p[k] !== undefined) (body as unknown as Record<string, unknown>)[k] = p[k]
  if (webhookUrl !== undefined) body.webhook_url = webhookUrl
  if (webhookHeaders !== undefined) body.webhook_headers = webhookHeaders
  return body
}

const snippet = (text: string) => (text.length > 200 ? `${text.slice(0, 200)}…` : text)

/**
 * Rows as Zixly stores them. The reference service writes a zero metric as null and may leave out
 * `rank_for_ticker`; ranks are then computed here exactly as the engine does (score, then grid order,
 * among combinations with at least `minTrades` closed trades).
 */
export function normalizeRows(rows: readonly TradingApiResultRow[], minTrades: number): SweepResultRow[] {
  const zero = (v: number | null) => v ?? 0
  const out = rows.map((r) => ({
    fast_period: r.fast_period,
    slow_period: r.slow_period,
    score: zero(r.score),
    sharpe_ratio: zero(r.sharpe_ratio),
    sortino_ratio: zero(r.sortino_ratio),
    calmar_ratio: zero(r.calmar_ratio),
    total_return_pct: zero(r.total_return_pct),
    annualized_return: zero(r.annualized_return),
    max_drawdown_pct: zero(r.max_drawdown_pct),
    max_drawdown_duration: r.max_drawdown_duration ?? '0 days',
    win_rate_pct: zero(r.win_rate_pct),
    profit_factor: r.profit_factor,
    expectancy_per_trade: zero(r.expectancy_per_trade),
    total_trades: zero(r.total_trades),
    total_closed_trades: zero(r.total_closed_trades),
    trades_per_month: zero(r.trades_per_month),
    avg_trade_duration: r.avg_trade_duration ?? '0.0 days',
    beats_bnh_pct: zero(r.beats_bnh_pct),
    rank_for_ticker: r.rank_for_ticker ?? null,
  }))
  if (rows.every((r) => r.rank_for_ticker === undefined)) {
    const ranked = out
      .filter((r) => r.total_closed_trades >= minTrades)
      .sort((a, b) => b.score - a.score || a.fast_period - b.fast_period || a.slow_period - b.slow_period)
    ranked.forEach((r, i) => (r.rank_for_ticker = i + 1))
  }
  return out
}

/** The executor's `http` adapter core: one method per Trading API call, each with a timeout and typed errors. */
export function createTradingApiClient(opts: TradingApiClientOptions) {
  const doFetch = opts.fetch ?? fetch
  const base = opts.baseUrl.replace(/\/+$/, '')

  async function call<S extends z.ZodType>(
    endpoint: string,
    method: string,
    path: string,
    schema: S,
    o: CallOptions & { body?: unknown; jobId?: string } = {},
  ): Promise<z.infer<S>> {
    const timeout = AbortSignal.timeout(opts.timeoutMs)
    const signal = o.signal ? AbortSignal.any([o.signal, timeout]) : timeout
    const started = performance.now()
    const fail = (code: TradingApiError['code'], message: string, extra: { httpStatus?: number; cause?: unknown; retryable?: boolean } = {}) => {
      opts.metrics?.tradingApiErrors.inc({ endpoint, error_type: code })
      return new TradingApiError(code, `${method} ${path}: ${message}`, { endpoint, ...(o.jobId !== undefined && { jobId: o.jobId }), ...extra })
    }
    let status = 0
    let text: string
    try {
      // A client span in the job's trace; its traceparent header lets the Trading API continue it.
      ;({ status, text } = await inChildSpan(
        `trading-api ${method} ${endpoint}`,
        undefined,
        { kind: SpanKind.CLIENT, service: 'executor', attributes: { 'zixly.service': 'executor', 'http.request.method': method, 'url.path': path.split('?')[0] ?? path } },
        async (span) => {
          const res = await doFetch(base + path, {
            method,
            signal,
            headers: withTraceHeaders({
              accept: 'application/json',
              ...(opts.apiKey !== undefined && { 'x-api-key': opts.apiKey }),
              ...(o.body !== undefined && { 'content-type': 'application/json' }),
            }),
            ...(o.body !== undefined && { body: JSON.stringify(o.body) }),
          })
          span.setAttribute('http.response.status_code', res.status)
          return { status: res.status, text: await res.text() }
        },
      ))
    } catch (err) {
      if (o.signal?.aborted) throw fail('TRADING_API_CANCELLED', 'aborted by the caller', { cause: o.signal.reason })
      if (timeout.aborted) throw fail('TRADING_API_TIMEOUT', `no complete answer within ${opts.timeoutMs} ms`, { cause: err })
      throw fail('TRADING_API_UNAVAILABLE', `cannot reach ${base}: ${(err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message}`, { cause: err })
    } finally {
      opts.metrics?.tradingApiLatency.observe({ endpoint }, (performance.now() - started) / 1000)
    }
    if (status >= 500) throw fail('TRADING_API_HTTP_5XX', `answered ${status}: ${snippet(text)}`, { httpStatus: status })
    if (status >= 400) {
      if (endpoint === 'job' && status === 404)
        throw fail('TRADING_API_JOB_LOST', `the server no longer knows job ${o.jobId ?? ''}`, { httpStatus: status })
      throw fail('TRADING_API_REJECTED', `answered ${status}: ${snippet(text)}`, {
        httpStatus: status,
        retryable: status === 408 || status === 429,
      })
    }
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch (err) {
      throw fail('TRADING_API_BAD_RESPONSE', `answered ${status} with malformed JSON: ${snippet(text)}`, { httpStatus: status, cause: err })
    }
    const parsed = schema.safeParse(json)
    if (!parsed.success) {
      const issues = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`)
      throw fail('TRADING_API_BAD_RESPONSE', `answer does not fit the contract: ${issues.join('; ')}`, { httpStatus: status })
    }
    return parsed.data
  }

  const jobPath = (id: string) => `/api/v1/jobs/${encodeURIComponent(id)}`

  const client = {
    baseUrl: base,
    /** Counts a failure seen outside a single call (a remote job that failed) in `trading_api_errors_total`. */
    countError(endpoint: string, errorType: TradingApiError['code']) {
      opts.metrics?.tradingApiErrors.inc({ endpoint, error_type: errorType })
    },
    submitSweep(params: RemoteSweepParams, o: CallOptions & { webhookUrl?: string; webhookHeaders?: Record<string, string> } = {}) {
      return call('submit', 'POST', '/api/v1/strategy/sweep', TradingApiSubmitted, {
        body: toWire(params, o.webhookUrl, o.webhookHeaders),
        signal: o.signal,
      })
    },
    getJob(id: string, o: CallOptions = {}) {
      return call('job', 'GET', jobPath(id), TradingApiJob, { signal: o.signal, jobId: id })
    },
    cancelJob(id: string, o: CallOptions = {}) {
      return call('cancel', 'DELETE', jobPath(id), TradingApiJob, { signal: o.signal, jobId: id })
    },
    getResultsPage(sweepRunId: string, page: { limit?: number; offset?: number } = {}, o: CallOptions = {}) {
      const q = `limit=${page.limit ?? PAGE_LIMIT}&offset=${page.offset ?? 0}`
      return call('results', 'GET', `/api/v1/sweeps/${encodeURIComponent(sweepRunId)}?${q}`, TradingApiSweepPage, { signal: o.signal })
    },
    /** Every result of a sweep run, in pages of 500, validated against `SweepResultRow`. */
    async getAllResults(sweepRunId: string, o: CallOptions & { minTrades?: number } = {}): Promise<SweepResultRow[]> {
      const wire: TradingApiResultRow[] = []
      let total = Infinity
      while (wire.length < total) {
        const page = await client.getResultsPage(sweepRunId, { limit: PAGE_LIMIT, offset: wire.length }, o)
        total = page.total_count
        if (page.results.length === 0 && wire.length < total)
          throw new TradingApiError('TRADING_API_BAD_RESPONSE', `sweep ${sweepRunId}: an empty page at offset ${wire.length} of ${total}`, { endpoint: 'results' })
        wire.push(...page.results)
      }
      const rows = normalizeRows(wire, o.minTrades ?? 0)
      for (let i = 0; i < rows.length; i++) {
        const row = rows[i]
        const ok = SweepResultRow.safeParse(row)
        if (!ok.success)
          throw new TradingApiError('TRADING_API_BAD_RESPONSE', `sweep ${sweepRunId}: result ${i} does not fit SweepResultRow: ${ok.error.issues[0]?.message ?? ''}`, { endpoint: 'results' })
      }
      return rows
    },
  }
  return client
}
export type TradingApiClient = ReturnType<typeof createTradingApiClient>
