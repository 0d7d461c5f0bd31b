import { redirect } from '@sveltejs/kit'
import { serverContext } from '$lib/server/context'
import { SESSION_COOKIE } from '$lib/server/ingest'
import type { Actions, PageServerLoad } from './$types'

export const load: PageServerLoad = () => redirect(303, '/jobs')

export const actions: Actions = {
  default: async ({ locals, cookies }) => {
    await serverContext()
      .ingest(locals.session)
      .logout()
      .catch(() => {})
    cookies.delete(SESSION_COOKIE, { path: '/' })
    redirect(303, '/login')
  },
}
