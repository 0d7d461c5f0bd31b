import { error } from '@sveltejs/kit'
import { DeadLettersPage } from '@zixly/contracts'
import { z } from 'zod'
import { can } from '$lib/auth'
import { serverContext } from '$lib/server/context'
import { IngestError } from '$lib/server/errors'
import { orError } from '$lib/server/http'
import type { Actions, PageServerLoad } from './$types'

const PAGE = 50

export const load: PageServerLoad = async ({ locals, url, depends }) => {
  depends('app:live')
  const offset = Math.max(0, Number.parseInt(url.searchParams.get('offset') ?? '0', 10) || 0)
  const state = url.searchParams.get('state') === 'all' ? 'all' : 'open'
  try {
    const raw = await serverContext().ingest(locals.session).get('/api/dead-letters', { state, limit: PAGE, offset })
    return { page: DeadLettersPage.parse(raw), state, pageSize: PAGE }
  } catch (err) {
    if (err instanceof IngestError && err.status === 404) return { page: null, state, pageSize: PAGE }
    throw err
  }
}

const Redrive = z.object({ id: z.string().min(1).max(300), job_id: z.uuid().optional() })

export const actions: Actions = {
  /** Redrive: the dead letter's job runs again as a new attempt chain (ingest records the redrive). */
  redrive: async ({ locals, request }) => {
    if (!can(locals.user, 'redrive')) error(403, { message: 'only an admin may redrive dead letters', code: 'FORBIDDEN' })
    const fd = await request.formData()
    const r = Redrive.safeParse({ id: fd.get('id'), job_id: fd.get('job_id') || undefined })
    if (!r.success) error(400, { message: 'no dead letter given', code: 'VALIDATION_FAILED' })
    const answer = await orError(
      serverContext().ingest(locals.session).control(`/api/dead-letters/${encodeURIComponent(r.data.id)}/redrive`),
    )
    return { redriven: r.data.id, answer }
  },
}
