import { error, fail } from '@sveltejs/kit'
import { z } from 'zod'
import { can } from '$lib/auth'
import { filtersFromUrl } from '$lib/jobs'
import { serverContext } from '$lib/server/context'
import { IngestError } from '$lib/server/errors'
import { orError } from '$lib/server/http'
import type { Actions, PageServerLoad } from './$types'

const PAGE_SIZE = 50

export const load: PageServerLoad = async ({ locals, url, depends }) => {
  depends('app:live')
  const api = serverContext().ingest(locals.session)
  const filters = filtersFromUrl(url.searchParams)
  const cursor = url.searchParams.get('cursor') ?? undefined
  const { status: _status, ...countFilters } = filters
  const [page, counts] = await Promise.all([
    orError(api.jobs({ ...filters, ...(cursor ? { cursor } : {}), limit: PAGE_SIZE })),
    orError(api.counts(countFilters)),
  ])
  return { page, counts, filters, cursor: cursor ?? null, pageSize: PAGE_SIZE }
}

const Ids = z.array(z.uuid()).min(1).max(500)

/** Runs one control call per selected job; reports how many went through and why others did not. */
async function each(ids: string[], call: (id: string) => Promise<unknown>) {
  const results = await Promise.allSettled(ids.map(call))
  const failed = results.flatMap((r, i) =>
    r.status === 'rejected' ? [{ id: ids[i]!, reason: r.reason instanceof IngestError ? r.reason.message : 'failed' }] : [],
  )
  const forbidden = results.some((r) => r.status === 'rejected' && r.reason instanceof IngestError && r.reason.status === 403)
  return { done: ids.length - failed.length, failed, forbidden }
}

function selected(form: FormData) {
  const ids = Ids.safeParse(form.getAll('ids').map(String))
  return ids.success ? ids.data : null
}

export const actions: Actions = {
  cancel: async ({ locals, request }) => {
    if (!can(locals.user, 'cancel')) error(403, { message: 'your role may not cancel jobs', code: 'FORBIDDEN' })
    const ids = selected(await request.formData())
    if (!ids) return fail(400, { action: 'cancel', message: 'Select at least one job.' })
    const api = serverContext().ingest(locals.session)
    const r = await each(ids, (id) => api.control(`/api/jobs/${id}/cancel`, { reason: 'cancelled from the dashboard' }))
    if (r.forbidden) error(403, { message: 'your role may not cancel jobs', code: 'FORBIDDEN' })
    return { action: 'cancel', ...r }
  },
  retry: async ({ locals, request }) => {
    if (!can(locals.user, 'retry')) error(403, { message: 'your role may not retry jobs', code: 'FORBIDDEN' })
    const ids = selected(await request.formData())
    if (!ids) return fail(400, { action: 'retry', message: 'Select at least one job.' })
    const api = serverContext().ingest(locals.session)
    const r = await each(ids, (id) => api.control(`/api/jobs/${id}/retry`))
    if (r.forbidden) error(403, { message: 'your role may not retry jobs', code: 'FORBIDDEN' })
    return { action: 'retry', ...r }
  },
  /** Retries every failed or cancelled job matching the list's filters (ingest counts them). */
  retryMatching: async ({ locals, url }) => {
    if (!can(locals.user, 'retry')) error(403, { message: 'your role may not retry jobs', code: 'FORBIDDEN' })
    const { status, ...f } = filtersFromUrl(url.searchParams)
    const answer = await orError(
      serverContext()
        .ingest(locals.session)
        .control('/api/jobs/retry', { ...f, status: status?.filter((s) => s === 'FAILED' || s === 'CANCELLED') ?? ['FAILED'] }),
    )
    return { action: 'retryMatching', answer }
  },
}
