"""Numba baseline for bench/engine: the same SCORE.md semantics as @zixly/engine, written the way a
numba user naturally would: an SMA table computed once (cumulative sums), then one literal per-bar
loop per (fast, slow) pair, pairs spread over cores with numba.prange.

Driven over stdin/stdout by bench/engine/run.ts (one JSON object per line) so that both engines run
alternately in the same invocation:
  {"cmd": "load", "name": "daily", "path": "...csv", "ann": 365}
  {"cmd": "run", "name": "daily", "fast": [5, 50], "slow": [10, 200]}      -> {"secs": ..}
  {"cmd": "pairs", "name": "daily", "pairs": [[f, s], ...]}                -> {"rows": [[16 floats], ...]}
  {"cmd": "quit"}
Row layout = packages/engine/src/metrics.ts (profit factor NaN = null).
"""
import csv
import json
import math
import resource
import sys
import time

import numba as nb
import numpy as np

FEE = 0.001
INIT = 1000.0
PHI = 2.618


@nb.njit(parallel=True, cache=False)
def sma_table(c, wmax):
    n = c.shape[0]
    csum = np.zeros(n + 1)
    for i in range(n):
        csum[i + 1] = csum[i] + c[i]
    out = np.full((wmax + 1, n), np.nan)
    for w in nb.prange(1, wmax + 1):
        for t in range(w - 1, n):
            out[w, t] = (csum[t + 1] - csum[t + 1 - w]) / w
    return out


@nb.njit(cache=False)
def pf_component(pf, has_pf, wins):
    if not has_pf:
        return PHI if wins > 0 else 0.0
    if pf >= 4.0:
        return PHI
    if pf <= 0.0:
        return 0.0
    xs = (0.0, 0.8, 1.0, 2.0, 4.0)
    ys = (0.0, 0.1, 0.5, 1.5, PHI)
    for i in range(1, 5):
        if pf <= xs[i]:
            return ys[i - 1] + (ys[i] - ys[i - 1]) * (pf - xs[i - 1]) / (xs[i] - xs[i - 1])
    return PHI


@nb.njit(cache=False)
def score_of(n, wins, sortino, pf, has_pf, expectancy, beats):
    if n == 0:
        W = 0.0
    else:
        z = 1.96
        p = wins / n
        lower = (p + z * z / (2 * n) - z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))) / (1 + z * z / n)
        W = min(PHI, 2 * lower)
    if n < 50:
        T = 0.2 + 0.8 * n / 50
    elif n < 100:
        T = 1 + 0.618 * (n - 50) / 50
    elif n <= 200:
        T = 1.618
    else:
        T = max(1.0, 1.618 - (n - 200) / 500)
    S = PHI / (1 + math.exp(-(sortino - 1.5)))
    P = pf_component(pf, has_pf, wins)
    E = 0.0 if expectancy <= 0 else PHI * (1 - math.exp(-expectancy / 2))
    B = min(2.0, max(0.25, 1 + beats / 2.5))
    base = (2.5 * W + 1.5 * T + 1.2 * S + 1.2 * P + 1.0 * E + 0.6 * B) / 8
    if n < 20:
        conf = 0.1 + 0.4 * (n / 20) ** 3
    elif n < 40:
        conf = 0.5 + 0.3 * ((n - 20) / 20) ** 2
    elif n < 50:
        conf = 0.8 + 0.2 * (n - 40) / 10
    else:
        conf = 1.0
    return math.floor(base * conf * 1e4 + 0.5) / 1e4


@nb.njit(cache=False)
def backtest(c, fast, slow, t0, ann, bnh_pct, out):
    n = c.shape[0]
    cash = INIT
    shares = 0.0
    entry_cash = 0.0
    entry_t = 0
    prev_v = INIT
    peak = INIT
    peak_t = 0
    mdd = 0.0
    max_dur = 0
    s1 = 0.0
    s2 = 0.0
    sd = 0.0
    closed = 0
    wins = 0
    losses = 0
    sum_pos = 0.0
    sum_neg = 0.0
    sum_ret = 0.0
    sum_dur = 0
    prev_above = False
    for t in range(n):
        if t >= t0:
            above = fast[t] > slow[t]
            if t > t0:
                if above and not prev_above and shares == 0.0:
                    entry_cash = cash
                    shares = cash / (c[t] * (1 + FEE))
                    cash = 0.0
                    entry_t = t
                elif not above and prev_above and shares > 0.0:
                    cash = shares * c[t] * (1 - FEE)
                    shares = 0.0
                    pnl = cash - entry_cash
                    closed += 1
                    if pnl > 0:
                        wins += 1
                        sum_pos += pnl
                    elif pnl < 0:
                        losses += 1
                        sum_neg += pnl
                    sum_ret += pnl / entry_cash
                    sum_dur += t - entry_t
            prev_above = above
        v = cash + shares * c[t]
        if t > 0:
            r = v / prev_v - 1
            s1 += r
            s2 += r * r
            if r < 0:
                sd += r * r
        if v >= peak:
            if t - peak_t > 1 and t - peak_t > max_dur:
                max_dur = t - peak_t
            peak = v
            peak_t = t
        else:
            dd = 1 - v / peak
            if dd > mdd:
                mdd = dd
        prev_v = v
    if n - 1 - peak_t > max_dur:
        max_dur = n - 1 - peak_t
    open_ = 1 if shares > 0.0 else 0
    steps = n - 1
    growth = prev_v / INIT
    total_ret = (growth - 1) * 100
    annualized = (growth ** (ann / steps) - 1) * 100
    mean = s1 / steps
    var = (s2 - s1 * mean) / (steps - 1)
    sharpe = mean / math.sqrt(var) * math.sqrt(ann) if var > 0 else 0.0
    down = sd / steps
    sortino = mean / math.sqrt(down) * math.sqrt(ann) if down > 0 else 0.0
    mdd_pct = mdd * 100
    calmar = annualized / mdd_pct if mdd_pct > 0 else 0.0
    has_pf = losses > 0
    pf = sum_pos / -sum_neg if has_pf else np.nan
    expectancy = sum_ret / closed * 100 if closed > 0 else 0.0
    total = closed + open_
    beats = total_ret - bnh_pct
    out[0] = score_of(closed, wins, sortino, pf, has_pf, expectancy, beats)
    out[1] = sharpe
    out[2] = sortino
    out[3] = calmar
    out[4] = total_ret
    out[5] = annualized
    out[6] = mdd_pct
    out[7] = max_dur
    out[8] = wins / closed * 100 if closed > 0 else 0.0
    out[9] = pf
    out[10] = expectancy
    out[11] = total
    out[12] = closed
    out[13] = total / (steps / ann * 12)
    out[14] = sum_dur / closed if closed > 0 else 0.0
    out[15] = beats


@nb.njit(parallel=True, cache=False)
def sweep(c, table, fasts, slows, ann, bnh_pct):
    out = np.empty((fasts.shape[0], 16))
    for i in nb.prange(fasts.shape[0]):
        backtest(c, table[fasts[i]], table[slows[i]], slows[i] - 1, ann, bnh_pct, out[i])
    return out


def run_pairs(c, ann, fasts, slows):
    table = sma_table(c, int(slows.max()))
    shares = INIT / (c[0] * (1 + FEE))
    bnh_pct = (shares * c[-1] / INIT - 1) * 100
    return sweep(c, table, fasts, slows, ann, bnh_pct)


def grid(fast, slow):
    pairs = [(f, s) for f in range(fast[0], fast[1] + 1) for s in range(slow[0], slow[1] + 1) if f < s]
    return np.array([p[0] for p in pairs], dtype=np.int64), np.array([p[1] for p in pairs], dtype=np.int64)


def main():
    series = {}
    # compile once on a tiny input so no timed run includes JIT time
    warm = np.linspace(100.0, 120.0, 64) + np.sin(np.arange(64.0))
    run_pairs(warm, 365.0, np.array([2, 3], dtype=np.int64), np.array([5, 9], dtype=np.int64))
    print(json.dumps({"ready": True, "numba": nb.__version__, "numpy": np.__version__,
                      "threads": nb.config.NUMBA_NUM_THREADS}), flush=True)
    for line in sys.stdin:
        msg = json.loads(line)
        cmd = msg["cmd"]
        if cmd == "quit":
            break
        if cmd == "load":
            with open(msg["path"], newline="") as fh:
                closes = [float(row["Close"]) for row in csv.DictReader(fh)]
            series[msg["name"]] = (np.array(closes, dtype=np.float64), float(msg["ann"]))
            reply = {"n": len(closes)}
        elif cmd == "run":
            c, ann = series[msg["name"]]
            fasts, slows = grid(msg["fast"], msg["slow"])
            t = time.perf_counter()
            run_pairs(c, ann, fasts, slows)
            reply = {"secs": time.perf_counter() - t, "pairs": int(fasts.shape[0])}
        elif cmd == "pairs":
            c, ann = series[msg["name"]]
            fasts = np.array([p[0] for p in msg["pairs"]], dtype=np.int64)
            slows = np.array([p[1] for p in msg["pairs"]], dtype=np.int64)
            rows = run_pairs(c, ann, fasts, slows)
            reply = {"rows": [[None if math.isnan(x) else float(x) for x in row] for row in rows]}
        else:
            reply = {"error": f"unknown cmd {cmd}"}
        reply["maxrss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(json.dumps(reply), flush=True)


if __name__ == "__main__":
    main()
