/** mulberry32: a tiny seeded PRNG so random grids are the same on every run. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export function randomInt(rand: () => number, lo: number, hi: number): number {
  return lo + Math.floor(rand() * (hi - lo + 1))
}

export function randomPairs(seed: number, count: number): Array<[number, number]> {
  const rand = mulberry32(seed)
  const pairs: Array<[number, number]> = []
  for (let i = 0; i < count; i++) {
    const fast = randomInt(rand, 2, 60)
    pairs.push([fast, randomInt(rand, fast + 1, 200)])
  }
  return pairs
}
