import { error, fail, redirect } from '@sveltejs/kit'
import { can } from '$lib/auth'
import { DEFAULT_VALUES, groupErrors, validateForm, type FormValues } from '$lib/sweep-form'
import { serverContext } from '$lib/server/context'
import { IngestError } from '$lib/server/errors'
import type { Actions, PageServerLoad } from './$types'

export const load: PageServerLoad = async ({ locals }) => {
  if (!can(locals.user, 'trigger')) error(403, { message: 'your role may not start sweeps', code: 'FORBIDDEN' })
  const tickers = await serverContext()
    .marketData.listTickers()
    .catch(() => [] as string[])
  return { tickers, defaults: DEFAULT_VALUES }
}

export const actions: Actions = {
  default: async ({ locals, request }) => {
    if (!can(locals.user, 'trigger')) error(403, { message: 'your role may not start sweeps', code: 'FORBIDDEN' })
    const fd = await request.formData()
    const values: FormValues = {}
    for (const [k, v] of fd) if (typeof v === 'string') values[k] = v
    // The same schema as ingest: a bad form never leaves the dashboard.
    const { body, errors } = validateForm(values)
    if (Object.keys(errors).length > 0) return fail(400, { values, errors })
    let jobId: string
    try {
      jobId = (await serverContext().ingest(locals.session).trigger(body)).job_id
    } catch (err) {
      // Ingest may still refuse (an unknown ticker, a rule it alone checks): show its field errors.
      if (err instanceof IngestError && err.status === 400)
        return fail(400, { values, errors: groupErrors(err.fields.length ? err.fields : [{ field: '(body)', message: err.message }]) })
      if (err instanceof IngestError && err.status === 403) error(403, { message: err.message, code: err.code })
      if (err instanceof IngestError && err.status === 429) return fail(429, { values, errors: { form: ['Too many requests; try again in a minute.'] } })
      throw err
    }
    redirect(303, `/jobs/${jobId}`)
  },
}
