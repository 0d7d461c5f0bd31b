// Helpers for the dashboard's end-to-end tests (test/e2e/dashboard*.e2e.spec.ts) and its benchmark:
// Debian's Chromium driven by playwright-core, and the dashboard's production server as a child process.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
// @ts-expect-error -- plain ESM script without types
import { ensureBuild, webDir } from '../scripts/build.mjs'
import { freePort } from '../../test/support/net.ts'

export const CHROMIUM = '/usr/bin/chromium'
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync']
export const SCREENSHOTS = join(webDir as string, '..', 'test-results', 'screenshots')

/** Installs Debian's Chromium when it is missing (CI runs on a fresh machine). */
export function ensureChromium(): void {
  if (existsSync(CHROMIUM)) return
  const apt = (args: string[]) =>
    spawnSync('apt-get', ['-o', 'DPkg::Lock::Timeout=600', ...args], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, timeout: 600_000 })
  apt(['update'])
  const r = apt(['install', '-y', '--no-install-recommends', 'chromium'])
  if (r.status !== 0 || !existsSync(CHROMIUM)) throw new Error('cannot install chromium (apt-get install -y chromium)')
}

export async function launchBrowser(): Promise<Browser> {
  ensureChromium()
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true })
}

export { freePort }

export interface WebServer {
  readonly url: string
  readonly port: number
  output(): string
  stop(signal?: NodeJS.Signals): Promise<void>
}

/** Builds the dashboard if its sources changed, then runs `node build` with `env` (as npm start and the image do) until /health answers. */
export async function startWebServer(env: Record<string, string>, port?: number): Promise<WebServer> {
  ;(ensureBuild as (o: { log: (l: string) => void }) => boolean)({ log: () => {} })
  const p = port ?? (await freePort())
  const proc: ChildProcess = spawn(process.execPath, [join(webDir as string, 'build', 'index.js')], {
    cwd: webDir as string,
    env: { ...process.env, ...env, PORT: String(p), HOST: '127.0.0.1', ORIGIN: `http://localhost:${p}` },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  proc.stdout?.on('data', (c: Buffer) => (out += c.toString()))
  proc.stderr?.on('data', (c: Buffer) => (out += c.toString()))
  const exited = new Promise<void>((r) => proc.once('exit', () => r()))
  const url = `http://localhost:${p}`
  const until = Date.now() + 60_000
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`the dashboard exited before it answered:\n${out}`)
    try {
      if ((await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) })).ok) break
    } catch {
      /* not listening yet */
    }
    if (Date.now() > until) {
      proc.kill('SIGKILL')
      throw new Error(`the dashboard did not answer within 60 s:\n${out}`)
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  // Load the login route's modules once, so the first test does not pay for it.
  await fetch(`${url}/login`).catch(() => {})
  return {
    url,
    port: p,
    output: () => out,
    async stop(signal = 'SIGTERM') {
      if (proc.exitCode !== null || proc.signalCode !== null) return
      proc.kill(signal)
      const t = setTimeout(() => proc.kill('SIGKILL'), 10_000)
      await exited
      clearTimeout(t)
    },
  }
}

/** Signs in through the dashboard's own login form. */
export async function login(page: Page, baseUrl: string, email: string, password: string): Promise<void> {
  await page.goto(`${baseUrl}/login`)
  // Typing before hydration raced it on a loaded machine (see hydrated() below).
  await hydrated(page)
  await page.getByLabel('Email').fill(email)
  await page.getByLabel('Password').fill(password)
  // The form is enhanced: success is a client-side navigation, so wait for the URL, not a load event.
  await Promise.all([
    page.waitForURL((u) => !u.pathname.startsWith('/login'), { waitUntil: 'commit' }),
    page.getByRole('button', { name: 'Sign in' }).click(),
  ])
  await page.waitForSelector('header nav')
}

/**
 * Waits until the page's app is interactive (the root layout marks <html data-hydrated>). Before
 * that, a click on an enhanced form submits it natively and typed text can be replaced by hydration.
 */
export async function hydrated(page: Page): Promise<void> {
  await page.waitForSelector('html[data-hydrated="true"]', { state: 'attached' })
}

/** A saved screenshot of the whole page under test-results/screenshots (git-ignored). */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true })
  const path = join(SCREENSHOTS, `${name}.png`)
  await page.screenshot({ path, fullPage: true })
  return path
}

/** The session cookie the browser holds for the dashboard (to forge requests with it). */
export async function sessionCookie(ctx: BrowserContext): Promise<string> {
  const c = (await ctx.cookies()).find((k) => k.name === 'zixly_session')
  if (!c) throw new Error('no zixly_session cookie in the browser')
  return c.value
}

/**
 * Records, inside the page, every status a job's row showed (in order) and when, so a test can
 * check transitions that last only a moment without polling.
 */
export async function watchRows(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __rows: Record<string, Array<{ status: string; at: number }>> }
    w.__rows = {}
    const note = (el: Element) => {
      const id = el.getAttribute('data-job-id')
      const status = el.getAttribute('data-status')
      if (!id || !status) return
      const seen = (w.__rows[id] ??= [])
      if (seen.at(-1)?.status !== status) seen.push({ status, at: performance.timeOrigin + performance.now() })
    }
    document.querySelectorAll('tr[data-job-id]').forEach(note)
    new MutationObserver((muts) => {
      for (const m of muts) {
        if (m.type === 'attributes' && m.target instanceof Element) note(m.target)
        for (const n of m.addedNodes)
          if (n instanceof Element) (n.matches('tr[data-job-id]') ? [n] : [...n.querySelectorAll('tr[data-job-id]')]).forEach(note)
      }
    }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-status'] })
  })
}

export async function rowHistory(page: Page, jobId: string): Promise<Array<{ status: string; at: number }>> {
  return page.evaluate((id) => (window as unknown as { __rows: Record<string, Array<{ status: string; at: number }>> }).__rows[id] ?? [], jobId)
}

/** Focusable controls on the page that have no accessible name (a label, aria-label(ledby), text or title). */
export async function unlabelledControls(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const sel = 'input:not([type="hidden"]), select, textarea, button, a[href], summary, [tabindex]:not([tabindex="-1"])'
    const nameOf = (el: HTMLElement): string => {
      const by = el.getAttribute('aria-labelledby')
      const fromIds = by ? by.split(/\s+/).map((id) => document.getElementById(id)?.textContent ?? '').join(' ') : ''
      const labels = 'labels' in el ? [...((el as HTMLInputElement).labels ?? [])].map((l) => l.textContent ?? '').join(' ') : ''
      const text = ['BUTTON', 'A', 'SUMMARY'].includes(el.tagName) ? (el.textContent ?? '') : ''
      return [el.getAttribute('aria-label') ?? '', fromIds, labels, text, el.title].join(' ').trim()
    }
    return [...document.querySelectorAll<HTMLElement>(sel)]
      .filter((el) => el.offsetParent !== null || el.getClientRects().length > 0)
      .filter((el) => nameOf(el) === '')
      .map((el) => el.outerHTML.slice(0, 120))
  })
}

/** The accessible names of the elements Tab visits, in order, from the top of the page (at most `max`). */
export async function tabStops(page: Page, max = 60): Promise<string[]> {
  await page.evaluate(() => {
    ;(document.activeElement as HTMLElement | null)?.blur()
    window.scrollTo(0, 0)
  })
  const seen: string[] = []
  // The end of the tab order sends focus to the document. One such stop can also be a re-render that
  // dropped the focused element (a loaded machine finishes rendering late), after which Tab starts
  // over from the top: only two in a row end the walk.
  let nothing = 0
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab')
    const name = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null
      if (!el || el === document.body) return null
      const labels = 'labels' in el ? [...((el as HTMLInputElement).labels ?? [])].map((l) => l.textContent ?? '').join(' ') : ''
      return (el.getAttribute('aria-label') ?? (labels || el.textContent || el.title || el.tagName)).replace(/\s+/g, ' ').trim()
    })
    if (name === null) {
      if (++nothing === 2) break
      continue
    }
    nothing = 0
    seen.push(name)
  }
  return seen
}

/** Whether the page fits its viewport's width (nothing but scroll containers overflow sideways). */
export async function fitsWidth(page: Page): Promise<boolean> {
  return page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1)
}
