import type { ResultRow, Strategy } from '../../src/types.ts'

// A second, deliberately plain implementation of SCORE.md for the golden tests: plain arrays,
// the value curve and every return stored, two-pass standard deviation, a trade list, and the
// SMA crossover decided on exact means of the prices as written (BigInt decimals), so equal means
// are never a crossover. It shares no code with src/ (only the ResultRow type).

export interface RefOptions {
  fee: number
  initCash: number
  annFactor: number
  signalPeriod: number
  barUnit: 'days' | 'bars'
}

/**
 * The closes as the decimals they were written as (the shortest decimal that prints each double,
 * which for CSV input is the CSV text), scaled to integers with a common power of ten.
 */
function decimalIntegers(c: readonly number[]): bigint[] {
  const parts = c.map((x) => {
    const [mantissa, exp = '0'] = String(x).split('e')
    const [whole, frac = ''] = mantissa!.split('.')
    return { digits: BigInt(whole! + frac), scale: frac.length - Number(exp) }
  })
  let maxScale = 0
  for (const p of parts) maxScale = Math.max(maxScale, p.scale)
  return parts.map((p) => p.digits * 10n ** BigInt(maxScale - p.scale))
}

function ema(values: readonly number[], w: number, start: number): Array<number | null> {
  const out: Array<number | null> = values.map(() => null)
  const seedAt = start + w - 1
  if (seedAt >= values.length) return out
  let sum = 0
  for (let t = start; t <= seedAt; t++) sum += values[t]!
  out[seedAt] = sum / w
  const alpha = 2 / (w + 1)
  for (let t = seedAt + 1; t < values.length; t++) out[t] = alpha * values[t]! + (1 - alpha) * out[t - 1]!
  return out
}

/** above[t] = fast[t] > slow[t] where both are defined, else null. */
export function referenceAbove(c: readonly number[], strategy: Strategy, fast: number, slow: number, signalPeriod: number): Array<boolean | null> {
  const n = c.length
  const above: Array<boolean | null> = c.map(() => null)
  if (strategy === 'SMA') {
    const ints = decimalIntegers(c)
    const prefix = [0n]
    for (const x of ints) prefix.push(prefix[prefix.length - 1]! + x)
    for (let t = slow - 1; t < n; t++) {
      const sumFast = prefix[t + 1]! - prefix[t + 1 - fast]!
      const sumSlow = prefix[t + 1]! - prefix[t + 1 - slow]!
      above[t] = sumFast * BigInt(slow) > sumSlow * BigInt(fast) // sumFast/fast > sumSlow/slow
    }
  } else if (strategy === 'EMA') {
    const f = ema(c, fast, 0)
    const s = ema(c, slow, 0)
    for (let t = slow - 1; t < n; t++) above[t] = f[t]! > s[t]!
  } else {
    const f = ema(c, fast, 0)
    const s = ema(c, slow, 0)
    const line = c.map((_, t) => (t >= slow - 1 ? f[t]! - s[t]! : 0))
    const signal = ema(line, signalPeriod, slow - 1)
    for (let t = slow - 1 + signalPeriod - 1; t < n; t++) above[t] = line[t]! > signal[t]!
  }
  return above
}

export function referenceRow(closes: ArrayLike<number>, strategy: Strategy, fast: number, slow: number, o: RefOptions): ResultRow {
  const c = Array.from(closes)
  const n = c.length
  const above = referenceAbove(c, strategy, fast, slow, o.signalPeriod)

  // ---- trades and the value curve
  let cash = o.initCash
  let shares = 0
  let holding = false
  let entry = { t: 0, cash: 0 }
  const trades: Array<{ pnl: number; ret: number; bars: number }> = []
  const value: number[] = []
  for (let t = 0; t < n; t++) {
    const now = above[t]
    const before = t > 0 ? above[t - 1] : null
    if (now !== null && now !== undefined && before !== null && before !== undefined) {
      if (now && !before && !holding) {
        entry = { t, cash }
        shares = cash / (c[t]! * (1 + o.fee))
        cash = 0
        holding = true
      } else if (!now && before && holding) {
        cash = shares * c[t]! * (1 - o.fee)
        shares = 0
        holding = false
        const pnl = cash - entry.cash
        trades.push({ pnl, ret: pnl / entry.cash, bars: t - entry.t })
      }
    }
    value.push(cash + shares * c[t]!)
  }
  const last = n > 0 ? value[n - 1]! : o.initCash

  // ---- return statistics
  const r: number[] = []
  for (let t = 1; t < n; t++) r.push(value[t]! / value[t - 1]! - 1)
  const mean = r.length > 0 ? r.reduce((a, b) => a + b, 0) / r.length : 0
  const std = r.length > 1 ? Math.sqrt(r.reduce((a, x) => a + (x - mean) ** 2, 0) / (r.length - 1)) : 0
  const sharpe = std === 0 ? 0 : (mean / std) * Math.sqrt(o.annFactor)
  const down = r.length > 0 ? Math.sqrt(r.reduce((a, x) => a + Math.min(x, 0) ** 2, 0) / r.length) : 0
  const sortino = down === 0 ? 0 : (mean / down) * Math.sqrt(o.annFactor)

  // ---- drawdowns (a drawdown runs from the last bar at the running peak to the first bar back at or above it)
  let runMax = -Infinity
  let mdd = 0
  for (const v of value) {
    runMax = Math.max(runMax, v)
    mdd = Math.max(mdd, 1 - v / runMax)
  }
  let peakVal = -Infinity
  let peakAt = 0
  let startAt = -1
  let longest = 0
  for (let t = 0; t < n; t++) {
    if (value[t]! >= peakVal) {
      if (startAt >= 0) longest = Math.max(longest, t - startAt)
      startAt = -1
      peakVal = value[t]!
      peakAt = t
    } else if (startAt < 0) {
      startAt = peakAt
    }
  }
  if (startAt >= 0) longest = Math.max(longest, n - 1 - startAt)

  // ---- metrics
  const totalReturn = (last / o.initCash - 1) * 100
  const annualized = n > 1 ? ((last / o.initCash) ** (o.annFactor / (n - 1)) - 1) * 100 : 0
  const closed = trades.length
  const wins = trades.filter((x) => x.pnl > 0)
  const losses = trades.filter((x) => x.pnl < 0)
  const grossWin = wins.reduce((a, x) => a + x.pnl, 0)
  const grossLoss = losses.reduce((a, x) => a + x.pnl, 0)
  const profitFactor = losses.length > 0 ? grossWin / Math.abs(grossLoss) : null
  const expectancy = closed > 0 ? (trades.reduce((a, x) => a + x.ret, 0) / closed) * 100 : 0
  const totalTrades = closed + (holding ? 1 : 0)
  const bnhShares = n > 0 ? o.initCash / (c[0]! * (1 + o.fee)) : 0
  const bnh = n > 0 ? ((bnhShares * c[n - 1]!) / o.initCash - 1) * 100 : 0
  const beats = totalReturn - bnh
  const winRate = closed > 0 ? (wins.length / closed) * 100 : 0
  const avgBars = closed > 0 ? trades.reduce((a, x) => a + x.bars, 0) / closed : 0

  return {
    fast_period: fast,
    slow_period: slow,
    score: referenceScore(closed, wins.length, sortino, profitFactor, expectancy, beats),
    sharpe_ratio: sharpe,
    sortino_ratio: sortino,
    calmar_ratio: mdd === 0 ? 0 : annualized / (mdd * 100),
    total_return_pct: totalReturn,
    annualized_return: annualized,
    max_drawdown_pct: mdd * 100,
    max_drawdown_duration: `${longest} ${o.barUnit}`,
    win_rate_pct: winRate,
    profit_factor: profitFactor,
    expectancy_per_trade: expectancy,
    total_trades: totalTrades,
    total_closed_trades: closed,
    trades_per_month: n > 1 ? totalTrades / (((n - 1) / o.annFactor) * 12) : 0,
    avg_trade_duration: `${avgBars.toFixed(1)} ${o.barUnit}`,
    beats_bnh_pct: beats,
    rank_for_ticker: null,
  }
}

/** SCORE.md "Score", transcribed line by line. */
export function referenceScore(N: number, wins: number, sortino: number, pf: number | null, x: number, b: number): number {
  const z = 1.96
  let W = 0
  if (N > 0) {
    const p = wins / N
    const L = (p + (z * z) / (2 * N) - z * Math.sqrt((p * (1 - p)) / N + (z * z) / (4 * N * N))) / (1 + (z * z) / N)
    W = Math.min(2.618, 2 * L)
  }
  const T = N < 50 ? 0.2 + (0.8 * N) / 50 : N < 100 ? 1 + (0.618 * (N - 50)) / 50 : N <= 200 ? 1.618 : Math.max(1, 1.618 - (N - 200) / 500)
  const S = 2.618 / (1 + Math.exp(-(sortino - 1.5)))
  let P: number
  if (pf === null) P = wins > 0 ? 2.618 : 0
  else if (pf > 4) P = 2.618
  else {
    const pts: Array<[number, number]> = [[0, 0], [0.8, 0.1], [1, 0.5], [2, 1.5], [4, 2.618]]
    P = 0
    for (let i = 1; i < pts.length; i++) {
      const [x0, y0] = pts[i - 1]!
      const [x1, y1] = pts[i]!
      if (pf >= x0 && pf <= x1) {
        P = y0 + ((y1 - y0) * (pf - x0)) / (x1 - x0)
        break
      }
    }
  }
  const E = x <= 0 ? 0 : 2.618 * (1 - Math.exp(-x / 2))
  const B = Math.min(2, Math.max(0.25, 1 + b / 2.5))
  const base = (2.5 * W + 1.5 * T + 1.2 * S + 1.2 * P + 1.0 * E + 0.6 * B) / 8
  const conf = N < 20 ? 0.1 + 0.4 * (N / 20) ** 3 : N < 40 ? 0.5 + 0.3 * ((N - 20) / 20) ** 2 : N < 50 ? 0.8 + (0.2 * (N - 40)) / 10 : 1
  return Math.round(base * conf * 1e4) / 1e4
}
