import type { SweepParams } from '@zixly/contracts'
import { annFactorFor, buyAndHold, equityCurve } from '@zixly/engine'
import type { MarketData } from '@zixly/market-data'
import { drawdownPct, sampleIndices } from '$lib/analysis'

export interface EquitySeries {
  fast: number
  slow: number
  dates: string[]
  strategy: number[]
  buy_and_hold: number[]
  drawdown: number[]
  bnh_drawdown: number[]
  bars: number
}

const MAX_POINTS = 1500

/**
 * The equity curve of one pair against buy-and-hold, recomputed with the engine over the same prices
 * and parameters as the job (the log keeps metrics, not curves). Drawdowns use every bar, then the
 * series are thinned to at most MAX_POINTS for the chart.
 */
export async function equityFor(md: MarketData, p: SweepParams, fast: number, slow: number): Promise<EquitySeries> {
  const series = await md.load(p.ticker, { interval: p.interval, start: p.start, end: p.end })
  const opts = {
    fee: p.fee,
    initCash: p.init_cash,
    annFactor: p.ann_factor ?? annFactorFor(p.ticker, p.interval),
    signalPeriod: p.signal_period,
    barUnit: p.interval === '1d' ? ('days' as const) : ('bars' as const),
  }
  const strat = equityCurve(series.closes, p.strategy_type, fast, slow, opts)
  const bnh = buyAndHold(series.closes, opts).curve
  const dd = drawdownPct(strat)
  const bdd = drawdownPct(bnh)
  const idx = sampleIndices(series.closes.length, MAX_POINTS)
  const round = (v: number) => Math.round(v * 100) / 100
  return {
    fast,
    slow,
    dates: idx.map((i) => series.dates[i]!.slice(0, 10)),
    strategy: idx.map((i) => round(strat[i]!)),
    buy_and_hold: idx.map((i) => round(bnh[i]!)),
    drawdown: idx.map((i) => round(dd[i]!)),
    bnh_drawdown: idx.map((i) => round(bdd[i]!)),
    bars: series.closes.length,
  }
}
