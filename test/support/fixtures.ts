import { SweepParams } from '@zixly/contracts'

/**
 * The seed's sweep (BTC-USD, SMA, fast 10–20 × slow 20–30, step 5: 8 pairs) as the normalized
 * parameters ingest appends, every default spelled out; `over` replaces any field.
 */
export const seedParams = (over: Partial<SweepParams> = {}): SweepParams =>
  SweepParams.parse({
    ticker: 'BTC-USD',
    strategy_type: 'SMA',
    fast_range: [10, 20],
    slow_range: [20, 30],
    step: 5,
    min_trades: 50,
    signal_period: 9,
    interval: '1d',
    fee: 0.001,
    init_cash: 1000,
    priority: 5,
    max_attempts: 3,
    ...over,
  })
