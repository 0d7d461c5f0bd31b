import { describe, expect, it } from 'vitest'
import { latencySummary, median, medianOfRuns, percentile, prng, spreadPct } from '../lib/stats.ts'
import { markdownTable } from '../lib/table.ts'

describe('bench statistics', () => {
  it('takes the middle value as the median, or the mean of the two middle ones', () => {
    expect(median([5, 1, 3])).toBe(3)
    expect(median([4, 1, 3, 2])).toBe(2.5)
  })

  it('answers an observed value for a percentile (nearest rank)', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1)
    expect(percentile(xs, 50)).toBe(50)
    expect(percentile(xs, 99)).toBe(99)
    expect(percentile([7], 99)).toBe(7)
    expect(latencySummary([3, 1, 2])).toEqual({ p50: 2, p99: 3, max: 3, count: 3 })
  })

  it('medians every field of repeated runs, and reports their spread around the median', () => {
    expect(medianOfRuns([{ a: 1, b: 10 }, { a: 3, b: 30 }, { a: 2, b: 20 }])).toEqual({ a: 2, b: 20 })
    expect(spreadPct([90, 100, 110])).toBeCloseTo(20)
  })

  it('refuses to summarise nothing', () => {
    expect(() => median([])).toThrow(/empty/)
    expect(() => percentile([], 50)).toThrow(/empty/)
  })

  it('draws the same sequence from the same seed, so both systems get the same jobs', () => {
    const a = prng(42)
    const b = prng(42)
    const xs = Array.from({ length: 5 }, () => a())
    expect(xs).toEqual(Array.from({ length: 5 }, () => b()))
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true)
    expect(prng(43)()).not.toBe(xs[0])
  })

  it('prints a Markdown table with aligned columns and a dash for a missing value', () => {
    const t = markdownTable(['what', 'n'], [['x', 1234], ['longer', null]])
    expect(t.split('\n')).toEqual(['| what   | n     |', '| ------ | ----- |', '| x      | 1,234 |', '| longer | —     |'])
  })
})
