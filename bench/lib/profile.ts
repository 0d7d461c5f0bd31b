// Summarises V8 .cpuprofile files (written with BENCH_CPU_PROF=<dir>): the functions with the most
// self time per process, so a missed goal can be traced to the code that costs it.
//   pnpm exec tsx bench/lib/profile.ts <dir> [top=15]
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

interface Node {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  hitCount: number
}
interface Profile {
  nodes: Node[]
  startTime: number
  endTime: number
}

const [root = '.', topArg = '15'] = process.argv.slice(2)
// One folder per process (bench/lib/stack.ts), one file per thread in it; the busiest threads first.
const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.cpuprofile'))
for (const file of files) {
  const p = JSON.parse(readFileSync(join(root, file), 'utf8')) as Profile
  const total = p.nodes.reduce((s, n) => s + n.hitCount, 0)
  const byFn = new Map<string, number>()
  for (const n of p.nodes) {
    const url = n.callFrame.url.replace(/^.*node_modules\/\.pnpm\/([^/]+)\/.*?([^/]+)$/, '$1 $2').replace(/^.*\/work\/main\//, '')
    const key = `${n.callFrame.functionName || '(anonymous)'} ${url}:${n.callFrame.lineNumber + 1}`
    byFn.set(key, (byFn.get(key) ?? 0) + n.hitCount)
  }
  const idle = [...byFn].filter(([k]) => k.startsWith('(idle)')).reduce((s, [, v]) => s + v, 0)
  console.log(`\n${file}: ${(((total - idle) / total) * 100).toFixed(0)} % busy of ${((p.endTime - p.startTime) / 1e6).toFixed(1)} s`)
  for (const [k, v] of [...byFn].filter(([k]) => !k.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, Number(topArg)))
    console.log(`  ${((v / (total - idle)) * 100).toFixed(1).padStart(5)} %  ${k}`)
}
