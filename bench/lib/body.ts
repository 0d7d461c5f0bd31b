/** A small sweep (2 fast × 2 slow windows = 4 pairs) on the bundled BTC-USD daily series. */
export const SMALL_SWEEP = { ticker: 'BTC-USD', fast_range: [10, 15], slow_range: [30, 35], step: 5, strategy_type: 'SMA' } as const
