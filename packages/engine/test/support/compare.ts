import { expect } from 'vitest'
import type { ResultRow } from '../../src/types.ts'

/** 1e-9 relative, or 1e-9 absolute near zero. */
export function close(a: number, b: number, tol = 1e-9): boolean {
  return a === b || Math.abs(a - b) <= tol * Math.max(1, Math.abs(a), Math.abs(b))
}

const EXACT: ReadonlyArray<keyof ResultRow> = [
  'fast_period',
  'slow_period',
  'total_trades',
  'total_closed_trades',
  'max_drawdown_duration',
  'avg_trade_duration',
  'rank_for_ticker',
]

/** Lists every field where `got` differs from `want` (counts and strings exactly). */
export function rowDiffs(got: ResultRow, want: ResultRow, tol = 1e-9): string[] {
  const diffs: string[] = []
  for (const key of Object.keys(want) as Array<keyof ResultRow>) {
    const g = got[key]
    const w = want[key]
    const same =
      EXACT.includes(key) || g === null || w === null || typeof g === 'string'
        ? g === w
        : close(g, w as number, tol)
    if (!same) diffs.push(`${key}: got ${String(g)} want ${String(w)}`)
  }
  return diffs
}

export function expectFiniteRow(row: ResultRow): void {
  for (const [key, value] of Object.entries(row)) {
    if (typeof value === 'number') expect(Number.isFinite(value), `${key} = ${value}`).toBe(true)
  }
}
