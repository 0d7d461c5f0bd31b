import { error, isHttpError, redirect, type Handle, type HandleServerError } from '@sveltejs/kit'
import { ZixlyError } from '@zixly/platform'
import { closeServerContext, serverContext } from '$lib/server/context'
import { SESSION_COOKIE } from '$lib/server/ingest'

/** Paths that answer without a session. */
const PUBLIC = new Set(['/login', '/health', '/ready'])

export const handle: Handle = async ({ event, resolve }) => {
  const { pathname } = event.url
  if (pathname === '/health') return Response.json({ status: 'ok' })
  const { ingest, hub } = serverContext()
  if (pathname === '/ready') {
    const [api, nats] = await Promise.all([ingest(null).healthy().catch(() => false), hub.ready()])
    const ok = api && nats
    return Response.json(
      { status: ok ? 'ready' : 'not_ready', checks: { ingest: { ok: api }, nats: { ok: nats } } },
      { status: ok ? 200 : 503 },
    )
  }

  const session = event.cookies.get(SESSION_COOKIE) ?? null
  event.locals.session = session
  event.locals.user = session ? await ingest(session).me() : null
  if (session && !event.locals.user) event.cookies.delete(SESSION_COOKIE, { path: '/' })

  if (!event.locals.user && !PUBLIC.has(pathname)) {
    if (pathname.startsWith('/api/') || event.request.method !== 'GET') error(401, { message: 'sign in first', code: 'UNAUTHORIZED' })
    const next = pathname === '/' ? '' : `?next=${encodeURIComponent(pathname + event.url.search)}`
    redirect(303, `/login${next}`)
  }
  return resolve(event)
}

/** The one error handler: typed errors keep their code and status; anything else is logged, never shown. */
export const handleError: HandleServerError = ({ error: err, status, message }) => {
  if (err instanceof ZixlyError && err.status < 500) return { message: err.message, code: err.code }
  if (isHttpError(err)) return err.body
  if (status === 404) return { message, code: 'NOT_FOUND' }
  serverContext().logger.error({ err }, 'request failed')
  if (err instanceof ZixlyError) return { message: err.message, code: err.code }
  return { message: 'Something went wrong on our side.', code: 'INTERNAL' }
}

process.once('sveltekit:shutdown', () => void closeServerContext())
