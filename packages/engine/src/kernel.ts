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
  /** kernel scratch, see simulate */
  readonly st = new Float64Array(11)
}

// Slots of Acc.st. The kernel keeps its double-valued state in a Float64Array: as plain locals in
// this loop nest V8 boxed them (a heap number per assignment, ~10 KB of garbage per backtest and
// ~15% of worker time in GC); typed-array slots never allocate.
const PEAK = 0
const FLOOR = 1
const MDD = 2
const S1 = 3
const S2 = 4
const SD = 5
const POS = 6
const NEG = 7
const RET = 8
const CASH = 9
const FINAL = 10

const MASK = (1 << SHIFT) - 1

/** First t' >= t with f[t'] > s[t'] (or n); whole blocks are skipped when max f <= min s. */
function nextAbove(f: Indicator, s: Indicator, t: number, n: number): number {
  const fv = f.v
  const sv = s.v
  const fhi = f.hi
  const slo = s.lo
  for (;;) {
    // the block's bounds also cover the rest of a block entered midway
    const b = t >> SHIFT
    const end = Math.min(n, (t | MASK) + 1)
    if (fhi[b]! <= slo[b]!) t = end
    else for (; t < end; t++) if (fv[t]! > sv[t]!) return t
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
    const b = t >> SHIFT
    const end = Math.min(n, (t | MASK) + 1)
    if (flo[b]! > shi[b]!) t = end
    else for (; t < end; t++) if (!(fv[t]! > sv[t]!)) return t
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
  const st = a.st
  st.fill(0)
  st[CASH] = init
  st[PEAK] = init
  st[FLOOR] = init // ~ peak * (1 - mdd): a value below it is a new maximum drawdown
  st[FINAL] = init
  const buyMul = 1 + fee
  const sellMul = 1 - fee
  let peakIdx = 0
  let maxDur = 0
  let closed = 0
  let wins = 0
  let losses = 0
  let sumDur = 0
  let open = 0

  let t = t0 + 1
  // The first defined bar never signals: when it is already "above", wait for a bar below first.
  if (t0 < n && fv[t0]! > sv[t0]!) t = nextNotAbove(f, sl, t, n)

  for (;;) {
    t = nextAbove(f, sl, t, n)
    if (t >= n) break

    // ---- entry at te: flat bars up to te-1 sit at value `cash`
    const te = t
    if (st[CASH] >= st[PEAK]) {
      st[PEAK] = st[CASH]!
      peakIdx = te - 1
    }
    const entryCash: number = st[CASH]
    const shares: number = st[CASH] / (c[te]! * buyMul)
    st[CASH] = 0
    let v = shares * c[te]!
    let r = v / entryCash - 1
    st[S1] = st[S1]! + r
    st[S2] = st[S2]! + r * r
    if (r < 0) st[SD] = st[SD]! + r * r
    if (v >= st[PEAK]) {
      st[PEAK] = v
      peakIdx = te
      st[FLOOR] = v * (1 - st[MDD]!)
    } else if (v < st[FLOOR]) {
      st[MDD] = 1 - v / st[PEAK]
      st[FLOOR] = v
    }

    // ---- holding until the first bar that is not above
    t = te + 1
    while (t < n) {
      const b = t >> SHIFT
      const end = Math.min(n, (t | MASK) + 1)
      // can the drawdown state change anywhere in this block? (block-wide bounds, conservative;
      // they also cover the rest of a block entered midway)
      const hi = shares * cHiB[b]!
      const calm = hi < st[PEAK] && shares * cLoB[b]! >= st[FLOOR]
      if (flo[b]! > shi[b]!) {
        // no exit in this block
        if (calm) {
          t = end
          continue
        }
        if (
          (t & MASK) === 0 &&
          lastMax[b]! >= 0 &&
          hi >= st[PEAK] &&
          maxDur >= MASK &&
          shares * cLoB[b]! >= hi * (1 - st[MDD]!)
        ) {
          // a whole block with new peak(s) and no dip deep enough for a new maximum drawdown; only
          // the first recovery can set a drawdown duration (later ones in the block are < maxDur)
          let u = t
          while (shares * c[u]! < st[PEAK]) u++
          if (u - peakIdx > maxDur) maxDur = u - peakIdx
          st[PEAK] = hi
          peakIdx = lastMax[b]!
          st[FLOOR] = hi * (1 - st[MDD]!)
          t = end
          continue
        }
      }
      if (calm) {
        // only the exit matters here
        while (t < end && fv[t]! > sv[t]!) t++
      } else {
        for (; t < end; t++) {
          if (!(fv[t]! > sv[t]!)) break
          v = shares * c[t]!
          if (v >= st[PEAK]) {
            const d = t - peakIdx
            if (d > maxDur && d > 1) maxDur = d
            st[PEAK] = v
            peakIdx = t
            st[FLOOR] = v * (1 - st[MDD]!)
          } else if (v < st[FLOOR]) {
            st[MDD] = 1 - v / st[PEAK]
            st[FLOOR] = v
          }
        }
      }
      if (t < end) break // exit bar found
    }
    // returns of bars te+1..t-1 equal the price returns (value = shares * close there)
    const last = t - 1
    if (last > te) {
      st[S1] = st[S1] + (r1Hi[last]! - r1Hi[te]! + (r1Lo[last]! - r1Lo[te]!))
      st[S2] = st[S2] + (r2Hi[last]! - r2Hi[te]! + (r2Lo[last]! - r2Lo[te]!))
      st[SD] = st[SD]! + (rdHi[last]! - rdHi[te]! + (rdLo[last]! - rdLo[te]!))
    }
    if (t >= n) {
      open = 1
      st[FINAL] = shares * c[n - 1]!
      break
    }

    // ---- exit at t
    const prevV = shares * c[t - 1]!
    st[CASH] = shares * c[t]! * sellMul
    r = st[CASH] / prevV - 1
    st[S1] = st[S1] + r
    st[S2] = st[S2] + r * r
    if (r < 0) st[SD] = st[SD]! + r * r
    const pnl = st[CASH] - entryCash
    closed++
    if (pnl > 0) {
      wins++
      st[POS] = st[POS]! + pnl
    } else if (pnl < 0) {
      losses++
      st[NEG] = st[NEG]! + pnl
    }
    st[RET] = st[RET]! + pnl / entryCash
    sumDur += t - te
    if (st[CASH] >= st[PEAK]) {
      const d = t - peakIdx
      if (d > maxDur && d > 1) maxDur = d
      st[PEAK] = st[CASH]!
      peakIdx = t
      st[FLOOR] = st[CASH] * (1 - st[MDD]!)
    } else if (st[CASH] < st[FLOOR]) {
      st[MDD] = 1 - st[CASH] / st[PEAK]
      st[FLOOR] = st[CASH]!
    }
    st[FINAL] = st[CASH]!
    t++
  }

  // flat to the end at the st[PEAK]!: those bars are peaks too (">=" moves the st[PEAK]! forward)
  if (open === 0 && st[CASH] >= st[PEAK]) peakIdx = n - 1
  // still under water at the last bar: the drawdown runs to the end
  if (n > 0 && n - 1 - peakIdx > maxDur) maxDur = n - 1 - peakIdx

  a.final = st[FINAL]!
  a.s1 = st[S1]!
  a.s2 = st[S2]!
  a.sd = st[SD]!
  a.mdd = st[MDD]!
  a.maxDur = maxDur
  a.closed = closed
  a.wins = wins
  a.losses = losses
  a.sumPos = st[POS]!
  a.sumNeg = st[NEG]!
  a.sumRet = st[RET]!
  a.sumDur = sumDur
  a.open = open
}
