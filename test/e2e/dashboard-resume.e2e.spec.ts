import type { Browser, Request } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventually } from '../support/env.ts'
import { startStack, type Stack } from '../../web/e2e/backend.ts'
import { freePort, launchBrowser, login, startWebServer, type WebServer } from '../../web/e2e/harness.ts'

// Acceptance 2 of issue 7: the dashboard's server dies while jobs complete; the tab's stream
// reconnects to the restarted server with its Last-Event-ID and the list ends up right, each job once.

const SEED = { ticker: 'BTC-USD', fast_range: [10, 20], slow_range: [20, 30], step: 5, strategy_type: 'SMA' }

let stack: Stack
let web: WebServer
let browser: Browser
let port: number

beforeAll(async () => {
  stack = await startStack('dashresume')
  port = await freePort()
  ;[web, browser] = await Promise.all([startWebServer(stack.webEnv(), port), launchBrowser()])
}, 600_000)

afterAll(async () => {
  await browser?.close()
  await web?.stop()
  await stack?.stop()
}, 60_000)

const submit = async () => {
  const r = await fetch(`${stack.ingestUrl}/webhook/trading-sweep`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...stack.apiHeaders },
    body: JSON.stringify(SEED),
  })
  expect(r.status).toBe(202)
  return ((await r.json()) as { job_id: string }).job_id
}

const allCompleted = (ids: string[]) =>
  eventually(async () => {
    const states = await Promise.all(
      ids.map(async (id) => ((await (await fetch(`${stack.ingestUrl}/webhook/jobs/${id}`, { headers: stack.apiHeaders })).json()) as { status: string }).status),
    )
    return states.every((s) => s === 'COMPLETED') ? true : undefined
  }, 60_000, 200)

describe('the live list across a dropped stream', () => {
  it('shows every job once and in its final state after the dashboard server restarts while jobs complete', async () => {
    const admin = await stack.user('local', 'ADMIN')
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage()
    const streams: Request[] = []
    page.on('request', (r) => {
      if (r.url().includes('/api/stream')) streams.push(r)
    })
    await login(page, web.url, admin.email, admin.password)
    await page.waitForSelector('.live[data-state="open"]')
    await page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true))

    // Jobs queue while the executor is held; the list shows them live.
    stack.gates.prepare.close()
    const before = [await submit(), await submit(), await submit(), await submit()]
    for (const id of before) await page.waitForSelector(`tr[data-job-id="${id}"][data-status="QUEUED"]`, { timeout: 20_000 })

    // The dashboard server dies; meanwhile those jobs complete and two more are submitted and complete.
    await web.stop('SIGKILL')
    await page.waitForSelector('.live[data-state="reconnecting"]')
    stack.gates.prepare.open()
    const during = [await submit(), await submit()]
    const all = [...before, ...during]
    await allCompleted(all)

    web = await startWebServer(stack.webEnv(), port)
    await page.waitForSelector('.live[data-state="open"]', { timeout: 30_000 })
    for (const id of all) await page.waitForSelector(`tr[data-job-id="${id}"][data-status="COMPLETED"]`, { timeout: 30_000 })

    const rows = await page.locator('tr[data-job-id]').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-job-id')))
    expect(rows).toHaveLength(all.length)
    expect(new Set(rows)).toEqual(new Set(all))
    expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true)
    // The reconnect resumed from the checkpoint the tab had, rather than starting blind.
    const resumed = await Promise.all(streams.slice(1).map(async (r) => (await r.allHeaders())['last-event-id'] ?? new URL(r.url()).searchParams.get('last_event_id')))
    expect(resumed.some((v) => v !== null && v !== undefined && Number(v) > 0)).toBe(true)
  })
})
