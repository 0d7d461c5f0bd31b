// SCORE.md "Score". Every component is computed from unrounded metrics; only the final score is
// rounded (4 decimals, half away from zero on score * 1e4).

const PHI = 2.618
const Z = 1.96

/** Wilson lower bound of wins/n at z = 1.96; 0 when n = 0. */
export function wilsonLower(wins: number, n: number): number {
  if (n === 0) return 0
  const p = wins / n
  const z2 = Z * Z
  const centre = p + z2 / (2 * n)
  const margin = Z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))
  return (centre - margin) / (1 + z2 / n)
}

export function tradeCountComponent(n: number): number {
  if (n < 50) return 0.2 + (0.8 * n) / 50
  if (n < 100) return 1 + (0.618 * (n - 50)) / 50
  if (n <= 200) return 1.618
  return Math.max(1, 1.618 - (n - 200) / 500)
}

const PF_X = [0, 0.8, 1, 2, 4] as const
const PF_Y = [0, 0.1, 0.5, 1.5, PHI] as const

/** `pf` null means "no losing trade"; it scores like pf > 4 only if there is a winning trade. */
export function profitFactorComponent(pf: number | null, wins: number): number {
  if (pf === null) return wins > 0 ? PHI : 0
  if (pf >= 4) return PHI
  if (pf <= 0) return 0
  for (let i = 1; i < PF_X.length; i++) {
    const x1 = PF_X[i]!
    if (pf <= x1) {
      const x0 = PF_X[i - 1]!
      const y0 = PF_Y[i - 1]!
      return y0 + ((PF_Y[i]! - y0) * (pf - x0)) / (x1 - x0)
    }
  }
  return PHI
}

export function confidence(n: number): number {
  if (n < 20) return 0.1 + 0.4 * (n / 20) ** 3
  if (n < 40) return 0.5 + 0.3 * ((n - 20) / 20) ** 2
  if (n < 50) return 0.8 + (0.2 * (n - 40)) / 10
  return 1
}

export interface ScoreInputs {
  closedTrades: number
  wins: number
  sortino: number
  profitFactor: number | null
  expectancyPct: number
  beatsBnhPct: number
}

/** Unrounded score; see `score`. */
export function rawScore(x: ScoreInputs): number {
  const n = x.closedTrades
  const W = Math.min(PHI, 2 * wilsonLower(x.wins, n))
  const T = tradeCountComponent(n)
  const S = PHI / (1 + Math.exp(-(x.sortino - 1.5)))
  const P = profitFactorComponent(x.profitFactor, x.wins)
  const E = x.expectancyPct <= 0 ? 0 : PHI * (1 - Math.exp(-x.expectancyPct / 2))
  const B = Math.min(2, Math.max(0.25, 1 + x.beatsBnhPct / 2.5))
  const base = (2.5 * W + 1.5 * T + 1.2 * S + 1.2 * P + 1.0 * E + 0.6 * B) / 8
  return base * confidence(n)
}

export function roundScore(raw: number): number {
  return Math.round(raw * 1e4) / 1e4
}

export function score(x: ScoreInputs): number {
  return roundScore(rawScore(x))
}
