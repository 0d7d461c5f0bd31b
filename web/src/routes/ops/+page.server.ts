import { error } from '@sveltejs/kit'
import { DispatchState } from '@zixly/contracts'
import { z } from 'zod'
import { can } from '$lib/auth'
import { serverContext } from '$lib/server/context'
import { IngestError } from '$lib/server/errors'
import { orError } from '$lib/server/http'
import type { Actions, PageServerLoad } from './$types'

/** A route another issue adds may not exist yet on this ingest: show the page without that part. */
const unlessMissing = <T>(p: Promise<T>) =>
  p.catch((err: unknown) => {
    if (err instanceof IngestError && (err.status === 404 || err.status === 403)) return null
    throw err
  })

export const load: PageServerLoad = async ({ locals, depends }) => {
  depends('app:live')
  const api = serverContext().ingest(locals.session)
  const [stats, dispatch] = await Promise.all([
    unlessMissing(api.stats()),
    unlessMissing(api.get('/api/dispatch').then((v) => z.array(DispatchState).parse(Array.isArray(v) ? v : (v as { states?: unknown }).states ?? []))),
  ])
  return { stats, dispatch }
}

async function control(locals: App.Locals, what: 'pause' | 'resume') {
  if (!can(locals.user, 'dispatch')) error(403, { message: 'only an admin may pause or resume dispatch', code: 'FORBIDDEN' })
  const answer = await orError(
    serverContext()
      .ingest(locals.session)
      .control(`/api/dispatch/${what}`, { tenant_id: locals.user!.tenant_id, reason: `${what}d from the dashboard` }),
  )
  return { done: what, state: DispatchState.safeParse(answer).data ?? null }
}

export const actions: Actions = {
  pause: ({ locals }) => control(locals, 'pause'),
  resume: ({ locals }) => control(locals, 'resume'),
}
