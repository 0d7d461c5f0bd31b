import { json } from '@sveltejs/kit'
import { filtersFromUrl } from '$lib/jobs'
import { serverContext } from '$lib/server/context'
import { orError } from '$lib/server/http'
import type { RequestHandler } from './$types'

/** Counts by status for the list's filters (the page refreshes them as jobs change). */
export const GET: RequestHandler = async ({ locals, url }) => {
  const { status: _status, ...f } = filtersFromUrl(url.searchParams)
  return json(await orError(serverContext().ingest(locals.session).counts(f)))
}
