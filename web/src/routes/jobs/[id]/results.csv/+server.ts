import { serverContext } from '$lib/server/context'
import { orError } from '$lib/server/http'
import type { RequestHandler } from './$types'

/** Every combination as CSV: ingest's export streamed through unchanged (never loaded whole here). */
export const GET: RequestHandler = async ({ locals, params, url }) => {
  const q = { sort: url.searchParams.get('sort') ?? undefined, order: url.searchParams.get('order') ?? undefined }
  const res = await orError(serverContext().ingest(locals.session).resultsCsv(params.id, q))
  const headers = new Headers({ 'content-type': res.headers.get('content-type') ?? 'text/csv; charset=utf-8' })
  headers.set('content-disposition', res.headers.get('content-disposition') ?? `attachment; filename="zixly-${params.id}-results.csv"`)
  return new Response(res.body, { headers })
}
