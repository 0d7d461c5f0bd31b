import { prng } from '../lib/stats.ts'

/** Daily series in the bundled market-data pack. */
const TICKERS = ['BTC-USD', 'ETH-USD', 'SPY', 'AAPL', 'MSFT', 'GLD', 'EURUSD'] as const
const STRATEGIES = ['SMA', 'EMA', 'MACD'] as const

export interface SmallSweep {
  ticker: string
  fast_range: [number, number]
  slow_range: [number, number]
  step: number
  strategy_type: 'SMA' | 'EMA' | 'MACD'
}

/**
 * `count` small sweeps of exactly 4 pairs (2 fast × 2 slow windows, every fast below every slow),
 * spread over tickers, strategies and windows; the same seed gives both systems the same jobs.
 */
export function smallSweeps(count: number, seed = 9): SmallSweep[] {
  const rand = prng(seed)
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!
  return Array.from({ length: count }, () => {
    const step = 1 + Math.floor(rand() * 5)
    const fast = 3 + Math.floor(rand() * 30)
    const slow = fast + step + 5 + Math.floor(rand() * 60)
    return {
      ticker: pick(TICKERS),
      fast_range: [fast, fast + step],
      slow_range: [slow, slow + step],
      step,
      strategy_type: pick(STRATEGIES),
    }
  })
}
