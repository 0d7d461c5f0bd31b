// bench/dashboard: how fast the dashboard shows what happened.
//   1. append → DOM: SweepRequested events are appended to the log one by one (as ingest does); for
//      each, the time from the append's acknowledgement to its row appearing in an open jobs page
//      (projector → change notice → SSE → browser). p50 / p95 over JOBS (default 200) jobs, and the
//      same split into append → notice, notice → SSE event and SSE event → DOM.
//   2. first load: Largest Contentful Paint of the jobs page (Chromium's performance API), RUNS times.
// Run: flock /tmp/zixly-bench.lock node --import tsx bench/dashboard/run.ts   (JOBS, RUNS, GAP_MS to
// change the sizes; the lock keeps benchmarks from overlapping on a shared machine)
import { randomUUID } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { SweepParams, SweepRequestBody, type SweepEvent } from '@zixly/contracts'
import { appendMessage } from '@zixly/platform'
import { startStack } from '../../web/e2e/backend.ts'
import { launchBrowser, login, startWebServer } from '../../web/e2e/harness.ts'

const JOBS = Number(process.env.JOBS ?? 200)
const RUNS = Number(process.env.RUNS ?? 10)
const GAP_MS = Number(process.env.GAP_MS ?? 50)

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!
}
const round = (v: number) => Math.round(v * 10) / 10

const stack = await startStack('benchdash')
const web = await startWebServer(stack.webEnv())
const browser = await launchBrowser()
try {
  const admin = await stack.user('local', 'ADMIN')
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } })
  // Where the time goes: each `jobs` event's arrival in the page is noted (before the app's own
  // listener runs), so append → DOM splits into append → notice → SSE event → DOM.
  // (A string, not a function: tsx's transform would add helpers the page does not have.)
  await ctx.addInitScript({
    content: `(() => {
      window.__sse = {}
      const add = EventSource.prototype.addEventListener
      EventSource.prototype.addEventListener = function (type, fn, opts) {
        if (type !== 'jobs' || typeof fn !== 'function') return add.call(this, type, fn, opts)
        return add.call(this, type, function (e) {
          const at = performance.timeOrigin + performance.now()
          for (const j of JSON.parse(e.data).jobs) window.__sse[j.job_id] ??= at
          return fn.call(this, e)
        }, opts)
      }
    })()`,
  })
  const page = await ctx.newPage()
  await login(page, web.url, admin.email, admin.password)
  await page.waitForSelector('.live[data-state="open"]')
  // Rows are timed inside the page, on the same wall clock as this process.
  await page.evaluate(() => {
    const w = window as unknown as { __seen: Record<string, number> }
    w.__seen = {}
    new MutationObserver((muts) => {
      const at = performance.timeOrigin + performance.now()
      for (const m of muts)
        for (const n of m.addedNodes)
          if (n instanceof HTMLElement)
            for (const tr of n.matches('tr[data-job-id]') ? [n] : [...n.querySelectorAll('tr[data-job-id]')]) w.__seen[tr.dataset.jobId!] ??= at
    }).observe(document.body, { childList: true, subtree: true })
  })

  stack.gates.prepare.close() // only the append → row path is timed; the jobs stay queued
  const params = SweepParams.parse(SweepRequestBody.parse({ ticker: 'BTC-USD', fast_range: [10, 20], slow_range: [20, 30], step: 5, strategy_type: 'SMA' }))
  const js = stack.env.nc.jetstream()
  const appended = new Map<string, number>()
  // The projector's change notices, as the dashboard server receives them (same NATS, same clock).
  const noticed = new Map<string, number>()
  const notices = stack.env.nc.subscribe(stack.env.names.changesSubject('local'), {
    callback: (_err, msg) => {
      const at = performance.timeOrigin + performance.now()
      for (const id of (msg.json() as { job_ids: string[] }).job_ids) if (!noticed.has(id)) noticed.set(id, at)
    },
  })
  for (let i = 0; i < JOBS; i++) {
    const jobId = randomUUID()
    const event: SweepEvent = {
      id: `SweepRequested:${jobId}`,
      type: 'SweepRequested',
      version: 2,
      data: { job_id: jobId, params },
      metadata: { tenantId: 'local', correlationId: jobId, causationId: `bench-${i}`, occurredAt: new Date().toISOString() },
    }
    await appendMessage(js, stack.env.names.eventSubject('local', jobId), event, { expectedLastSubjectSeq: 0 })
    appended.set(jobId, performance.timeOrigin + performance.now())
    await new Promise((r) => setTimeout(r, GAP_MS))
  }
  const until = Date.now() + 30_000
  let seen: Record<string, number> = {}
  while (Date.now() < until) {
    seen = await page.evaluate(() => (window as unknown as { __seen: Record<string, number> }).__seen)
    if ([...appended.keys()].every((id) => id in seen)) break
    await new Promise((r) => setTimeout(r, 200))
  }
  notices.unsubscribe()
  const latencies = [...appended].flatMap(([id, t]) => (id in seen ? [seen[id]! - t] : []))
  const missing = JOBS - latencies.length
  const sse = (await page.evaluate(() => (window as unknown as { __sse?: Record<string, number> }).__sse)) ?? {}
  const part = (from: (id: string) => number | undefined, to: (id: string) => number | undefined) => {
    const xs = [...appended.keys()].flatMap((id) => {
      const a = from(id)
      const b = to(id)
      return a === undefined || b === undefined ? [] : [b - a]
    })
    return xs.length === 0 ? null : { p50: round(pct(xs, 50)), p95: round(pct(xs, 95)) }
  }
  const breakdown = {
    append_to_notice: part((id) => appended.get(id), (id) => noticed.get(id)),
    notice_to_sse_event: part((id) => noticed.get(id), (id) => sse[id]),
    sse_event_to_dom: part((id) => sse[id], (id) => seen[id]),
  }

  // First load of the jobs page (50 rows shown, JOBS in the tenant), in fresh pages of a signed-in context.
  const lcp: number[] = []
  for (let i = 0; i < RUNS; i++) {
    const p = await ctx.newPage()
    await p.goto(`${web.url}/jobs`, { waitUntil: 'load' })
    lcp.push(
      await p.evaluate(
        () =>
          new Promise<number>((resolve) => {
            new PerformanceObserver((list) => {
              const entries = list.getEntries()
              resolve(entries[entries.length - 1]!.startTime)
            }).observe({ type: 'largest-contentful-paint', buffered: true })
          }),
      ),
    )
    await p.close()
  }

  const result = {
    at: new Date().toISOString(),
    jobs: JOBS,
    gap_ms: GAP_MS,
    append_to_dom_ms: { p50: round(pct(latencies, 50)), p95: round(pct(latencies, 95)), max: round(Math.max(...latencies)), missing },
    breakdown_ms: breakdown,
    load_average: loadavg().map((l) => Math.round(l * 100) / 100),
    lcp_ms: { runs: RUNS, p50: round(pct(lcp, 50)), max: round(Math.max(...lcp)) },
  }
  mkdirSync('bench/results', { recursive: true })
  writeFileSync('bench/results/dashboard.json', JSON.stringify(result, null, 2))
  // Every run is kept too, so several runs can be compared (medians in BENCHMARKS.md).
  writeFileSync(`bench/results/dashboard-${result.at.replace(/[:.]/g, '-')}.json`, JSON.stringify(result, null, 2))
  console.log(JSON.stringify(result, null, 2))
} finally {
  await browser.close()
  await web.stop()
  await stack.stop()
}
