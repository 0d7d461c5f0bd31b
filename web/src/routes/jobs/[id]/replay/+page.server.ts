import { serverContext } from '$lib/server/context'
import { orError } from '$lib/server/http'
import type { PageServerLoad } from './$types'

export const load: PageServerLoad = async ({ locals, params }) => ({
  jobId: params.id,
  timeline: await orError(serverContext().ingest(locals.session).timeline(params.id)),
})
