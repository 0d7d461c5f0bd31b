import { SHIFT, type Indicator } from './blocks.ts'
import type { Series } from './series.ts'

/**
 * Everything the metrics need from one backtest, accumulated without storing the value curve.
 * A class (not an object literal) so V8 keeps one hidden class and the kernel stays monomorphic.
 */
export class Acc {
  final = 0.5 // value[n-1]   (x.5 initialisers make V8 store doubles from the start: no map change later)
  s1 = 0.5 // sum of r[t], t = 1..n-1
  s2 = 0.5 // sum of r[t]^2
  sd = 0.5 // sum of min(r[t], 0)^2
  mdd = 0.5 // max drawdown as a fraction
  maxDur = 0 // longest drawdown, bars
  closed = 0
  wins = 0
  losses = 0
  sumPos = 0.5 // sum of positive closed pnl
  sumNeg = 0.5 // sum of negative closed pnl (<= 0)
  sumRet = 0.5 // sum of closed trade returns (pnl / entry cash)
  sumDur = 0 // sum of bars held (exit bar - entry bar) over closed trades
  open = 0 // 1 when a position is still open after the last bar
}

const MASK = (1 << SHIFT) - 1

/** First t' >= t with f[t'] > s[t'] (or n); whole blocks are skipped when max f <= min s. */
function nextAbove(f: Indicator, s: Indicator, t: number, n: number): number {
  const fv = f.v
  const sv = s.v
  const fhi = f.hi
  const slo = s.lo
  for (;;) {
    if ((t & MASK) === 0) while (t + MASK < n && fhi[t >> SHIFT]! <= slo[t >> SHIFT]!) t += MASK + 1
    const end = Math.min(n, (t | MASK) + 1)
    for (; t < end; t++) if (fv[t]! > sv[t]!) return t
    if (t >= n) return n
  }
}

/** First t' >= t with !(f[t'] > s[t']) (or n), skipping blocks where min f > max s. */
function nextNotAbove(f: Indicator, s: Indicator, t: number, n: number): number {
  const fv = f.v
  const sv = s.v
  const flo = f.lo
  const shi = s.hi
  for (;;) {
    if ((t & MASK) === 0) while (t + MASK < n && flo[t >> SHIFT]! > shi[t >> SHIFT]!) t += MASK + 1
    const end = Math.min(n, (t | MASK) + 1)
    for (; t < end; t++) if (!(fv[t]! > sv[t]!)) return t
    if (t >= n) return n
  }
}

/**
 * One long-only crossover backtest (SCORE.md "Signals and trades"), single pass.
 * `f.v[t] > s.v[t]` is read only for t >= t0 (first bar where both are defined).
 *
 * Why it is fast: flat stretches have a constant value, so only the signal is scanned (by blocks);
 * in a position the returns of a whole stretch come from the series' prefix sums in O(1), and
 * the drawdown is tracked per block unless a block may hold a crossing, a new peak followed by a
 * deeper dip, or a drawdown shorter than a block. Entry and exit bars (fees) are computed literally.
 */
export function simulate(s: Series, f: Indicator, sl: Indicator, t0: number, fee: number, init: number, a: Acc): void {
  const { c, n, r1Hi, r1Lo, r2Hi, r2Lo, rdHi, rdLo, cLoB, cHiB, lastMax } = s
  const fv = f.v
  const sv = sl.v
  const flo = f.lo
  const shi = sl.hi
  const buyMul = 1 + fee
  const sellMul = 1 - fee
  let cash = init
  let peak = init
  let peakIdx = 0
  let mdd = 0
  let floorV = init // ~ peak * (1 - mdd): a value below it is a new maximum drawdown
  let maxDur = 0
  let s1 = 0
  let s2 = 0
  let sd = 0
  let closed = 0
  let wins = 0
  let losses = 0
  let sumPos = 0
  let sumNeg = 0
  let sumRet = 0
  let sumDur = 0
  let open = 0
  let final = init

  let t = t0 + 1
  // The first defined bar never signals: when it is already "above", wait for a bar below first.
  if (t0 < n && fv[t0]! > sv[t0]!) t = nextNotAbove(f, sl, t, n)

  for (;;) {
    t = nextAbove(f, sl, t, n)
    if (t >= n) break

    // ---- entry at te: flat bars up to te-1 sit at value `cash`
    const te = t
    if (cash >= peak) {
      peak = cash
      peakIdx = te - 1
    }
    const entryCash = cash
    const shares = cash / (c[te]! * buyMul)
    cash = 0
    let v = shares * c[te]!
    let r = v / entryCash - 1
    s1 += r
    s2 += r * r
    if (r < 0) sd += r * r
    if (v >= peak) {
      peak = v
      peakIdx = te
      floorV = v * (1 - mdd)
    } else if (v < floorV) {
      mdd = 1 - v / peak
      floorV = v
    }

    // ---- holding until the first bar that is not above
    t = te + 1
    for (;;) {
      let end: number
      if ((t & MASK) !== 0 || t + MASK >= n) {
        end = Math.min(n, (t | MASK) + 1)
      } else {
        const b = t >> SHIFT
        if (flo[b]! > shi[b]!) {
          // no exit in this block; can the drawdown state change?
          const hi = shares * cHiB[b]!
          if (hi < peak) {
            if (shares * cLoB[b]! >= floorV) {
              t += MASK + 1
              continue
            }
          } else if (maxDur >= MASK && lastMax[b]! >= 0 && shares * cLoB[b]! >= hi * (1 - mdd)) {
            // new peak(s) and no dip deep enough for a new maximum drawdown; only the first
            // recovery can set a drawdown duration (later ones in the block are < maxDur)
            let u = t
            while (shares * c[u]! < peak) u++
            if (u - peakIdx > maxDur) maxDur = u - peakIdx
            peak = hi
            peakIdx = lastMax[b]!
            floorV = hi * (1 - mdd)
            t += MASK + 1
            continue
          }
        }
        end = t + MASK + 1
      }
      for (; t < end; t++) {
        if (!(fv[t]! > sv[t]!)) break
        v = shares * c[t]!
        if (v >= peak) {
          const d = t - peakIdx
          if (d > maxDur && d > 1) maxDur = d
          peak = v
          peakIdx = t
          floorV = v * (1 - mdd)
        } else if (v < floorV) {
          mdd = 1 - v / peak
          floorV = v
        }
      }
      if (t < end || t >= n) break
    }
    // returns of bars te+1..t-1 equal the price returns (value = shares * close there)
    const last = t - 1
    if (last > te) {
      s1 += r1Hi[last]! - r1Hi[te]! + (r1Lo[last]! - r1Lo[te]!)
      s2 += r2Hi[last]! - r2Hi[te]! + (r2Lo[last]! - r2Lo[te]!)
      sd += rdHi[last]! - rdHi[te]! + (rdLo[last]! - rdLo[te]!)
    }
    if (t >= n) {
      open = 1
      final = shares * c[n - 1]!
      break
    }

    // ---- exit at t
    const prevV = shares * c[t - 1]!
    cash = shares * c[t]! * sellMul
    r = cash / prevV - 1
    s1 += r
    s2 += r * r
    if (r < 0) sd += r * r
    const pnl = cash - entryCash
    closed++
    if (pnl > 0) {
      wins++
      sumPos += pnl
    } else if (pnl < 0) {
      losses++
      sumNeg += pnl
    }
    sumRet += pnl / entryCash
    sumDur += t - te
    if (cash >= peak) {
      const d = t - peakIdx
      if (d > maxDur && d > 1) maxDur = d
      peak = cash
      peakIdx = t
      floorV = cash * (1 - mdd)
    } else if (cash < floorV) {
      mdd = 1 - cash / peak
      floorV = cash
    }
    final = cash
    t++
  }

  // flat to the end at the peak: those bars are peaks too (">=" moves the peak forward)
  if (open === 0 && cash >= peak) peakIdx = n - 1
  // still under water at the last bar: the drawdown runs to the end
  if (n > 0 && n - 1 - peakIdx > maxDur) maxDur = n - 1 - peakIdx

  a.final = final
  a.s1 = s1
  a.s2 = s2
  a.sd = sd
  a.mdd = mdd
  a.maxDur = maxDur
  a.closed = closed
  a.wins = wins
  a.losses = losses
  a.sumPos = sumPos
  a.sumNeg = sumNeg
  a.sumRet = sumRet
  a.sumDur = sumDur
  a.open = open
}
