import type { Acc } from './kernel.ts'
import { rawScore, roundScore } from './score.ts'

/**
 * Packed row layout: 16 float64 slots per pair. Workers send rows packed (one transferable buffer
 * per chunk instead of thousands of cloned objects); `toRow` turns a slot range into a ResultRow.
 * profit_factor uses NaN for null (the only NaN ever stored, and only here).
 */
export const F = {
  score: 0,
  sharpe: 1,
  sortino: 2,
  calmar: 3,
  totalReturn: 4,
  annualized: 5,
  mddPct: 6,
  mddDur: 7,
  winRate: 8,
  profitFactor: 9,
  expectancy: 10,
  totalTrades: 11,
  closedTrades: 12,
  tradesPerMonth: 13,
  avgDur: 14,
  beatsBnh: 15,
} as const
export const SLOTS = 16

export interface MetricsContext {
  /** number of bars */
  n: number
  initCash: number
  annFactor: number
  /** buy-and-hold total return in percent */
  bnhReturnPct: number
}

/** No NaN or Infinity leaves the engine: overflow clamps to the largest double, NaN becomes 0. */
export function finite(x: number): number {
  if (x === x && x !== Infinity && x !== -Infinity) return x
  return x === Infinity ? Number.MAX_VALUE : x === -Infinity ? -Number.MAX_VALUE : 0
}

/** Buy-and-hold total return in percent: buy at c[0] with the entry fee, no exit fee. */
export function buyAndHoldReturnPct(closes: Float64Array, fee: number, initCash: number): number {
  const n = closes.length
  if (n === 0) return 0
  const shares = initCash / (closes[0]! * (1 + fee))
  return ((shares * closes[n - 1]!) / initCash - 1) * 100
}

/** SCORE.md "Metrics" from one backtest's accumulators, written to out[o .. o+SLOTS). */
export function computeMetrics(a: Acc, m: MetricsContext, out: Float64Array, o: number): void {
  const steps = m.n - 1 // number of returns
  const ann = m.annFactor
  const growth = a.final / m.initCash
  const totalReturn = (growth - 1) * 100
  const annualized = steps > 0 ? finite((Math.pow(growth, ann / steps) - 1) * 100) : 0
  const mean = steps > 0 ? a.s1 / steps : 0
  // one-pass variance; cancellation can leave a tiny negative instead of 0
  const variance = steps > 1 ? (a.s2 - a.s1 * mean) / (steps - 1) : 0
  const sharpe = variance > 0 ? (mean / Math.sqrt(variance)) * Math.sqrt(ann) : 0
  const downside = steps > 0 ? a.sd / steps : 0
  const sortino = downside > 0 ? (mean / Math.sqrt(downside)) * Math.sqrt(ann) : 0
  const mddPct = a.mdd * 100
  const calmar = mddPct > 0 ? annualized / mddPct : 0
  const n = a.closed
  const winRate = n > 0 ? (a.wins / n) * 100 : 0
  const pf = a.losses > 0 ? a.sumPos / -a.sumNeg : null
  const expectancy = n > 0 ? (a.sumRet / n) * 100 : 0
  const totalTrades = n + a.open
  const tpm = steps > 0 ? totalTrades / ((steps / ann) * 12) : 0
  const beats = totalReturn - m.bnhReturnPct

  out[o + F.sharpe] = finite(sharpe)
  out[o + F.sortino] = finite(sortino)
  out[o + F.calmar] = finite(calmar)
  out[o + F.totalReturn] = finite(totalReturn)
  out[o + F.annualized] = annualized
  out[o + F.mddPct] = finite(mddPct)
  out[o + F.mddDur] = a.maxDur
  out[o + F.winRate] = winRate
  out[o + F.profitFactor] = pf === null ? NaN : finite(pf)
  out[o + F.expectancy] = finite(expectancy)
  out[o + F.totalTrades] = totalTrades
  out[o + F.closedTrades] = n
  out[o + F.tradesPerMonth] = finite(tpm)
  out[o + F.avgDur] = n > 0 ? a.sumDur / n : 0
  out[o + F.beatsBnh] = finite(beats)
  const raw = rawScore({
    closedTrades: n,
    wins: a.wins,
    sortino: finite(sortino),
    profitFactor: pf === null ? null : finite(pf),
    expectancyPct: finite(expectancy),
    beatsBnhPct: finite(beats),
  })
  out[o + F.score] = finite(roundScore(raw))
}
