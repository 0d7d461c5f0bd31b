import { Worker } from 'node:worker_threads'
const file = process.argv[2]
const mb = () => (process.memoryUsage().rss / 1048576).toFixed(0)
console.log(file, 'start', mb())
const t = performance.now()
const ws = [0, 1].map(() => new Worker(new URL(file, import.meta.url)))
await Promise.all(ws.map((w) => new Promise((r) => w.once('message', r))))
console.log(file, '2 workers', mb(), 'MB', (performance.now() - t).toFixed(0), 'ms')
await Promise.all(ws.map((w) => w.terminate()))
