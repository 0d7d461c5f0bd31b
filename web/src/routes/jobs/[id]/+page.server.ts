import { error } from '@sveltejs/kit'
import { SortableResultField, type JobDetail, type JobView } from '@zixly/contracts'
import { can } from '$lib/auth'
import { bestPair, summarize, toCell } from '$lib/analysis'
import { serverContext } from '$lib/server/context'
import { equityFor } from '$lib/server/equity'
import { IngestError } from '$lib/server/errors'
import { orError } from '$lib/server/http'
import { allResults } from '$lib/server/results'
import type { Actions, PageServerLoad } from './$types'

const TABLE_PAGE = 25

export const load: PageServerLoad = async ({ locals, params, url, depends }) => {
  depends('app:live')
  depends(`app:job:${params.id}`)
  const { ingest, marketData, logger } = serverContext()
  const api = ingest(locals.session)
  const found = await orError(api.job(params.id))
  if (!found.projected) return { jobId: params.id, job: null, timeline: null, table: null, analysis: null }
  const job: JobView | JobDetail = found.job

  const sort = SortableResultField.catch('score').parse(url.searchParams.get('sort') ?? 'score')
  const order = url.searchParams.get('order') === 'asc' ? 'asc' : url.searchParams.get('order') === 'desc' ? 'desc' : undefined
  const offset = Math.max(0, Number.parseInt(url.searchParams.get('offset') ?? '0', 10) || 0)

  const [timeline, table] = await Promise.all([
    // The timeline route may still be missing on an older ingest: the page shows the job without it.
    api.timeline(params.id).catch((err: unknown) => {
      if (err instanceof IngestError && err.status === 404) return null
      throw err
    }),
    job.results_count > 0 ? orError(api.results(params.id, { sort, ...(order ? { order } : {}), limit: TABLE_PAGE, offset })) : null,
  ])

  // Heavier parts stream in after the page is shown: every combination (stat cards, heat map) and the
  // equity curve of the best pair, recomputed with the engine on the job's own prices and parameters.
  const analysis =
    job.results_count > 0 && job.status === 'COMPLETED'
      ? allResults(api, params.id, job.results_count).then(async ({ rows, truncated }) => {
          const best = bestPair(rows)
          const equity = best
            ? await equityFor(marketData, job.parameters, best.row.fast_period, best.row.slow_period).catch((err: unknown) => {
                logger.warn({ err, job: params.id }, 'equity curve unavailable')
                return null
              })
            : null
          return { stats: summarize(rows), cells: rows.map(toCell), truncated, best: best ? { ...best.row, ranked: best.ranked } : null, equity }
        })
      : null
  analysis?.catch(() => {})

  return { jobId: params.id, job, timeline, table, analysis, tablePage: TABLE_PAGE }
}

export const actions: Actions = {
  cancel: async ({ locals, params }) => {
    if (!can(locals.user, 'cancel')) error(403, { message: 'your role may not cancel jobs', code: 'FORBIDDEN' })
    await orError(serverContext().ingest(locals.session).control(`/api/jobs/${params.id}/cancel`, { reason: 'cancelled from the dashboard' }))
    return { done: 'cancel' }
  },
  retry: async ({ locals, params }) => {
    if (!can(locals.user, 'retry')) error(403, { message: 'your role may not retry jobs', code: 'FORBIDDEN' })
    await orError(serverContext().ingest(locals.session).control(`/api/jobs/${params.id}/retry`))
    return { done: 'retry' }
  },
}
