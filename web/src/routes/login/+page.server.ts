import { fail, redirect } from '@sveltejs/kit'
import { serverContext } from '$lib/server/context'
import { sessionFromSetCookie, setSessionCookie } from '$lib/server/cookies'
import { IngestError } from '$lib/server/errors'
import type { Actions, PageServerLoad } from './$types'

const safeNext = (next: string | null) => (next && next.startsWith('/') && !next.startsWith('//') ? next : '/jobs')

export const load: PageServerLoad = ({ locals, url }) => {
  if (locals.user) redirect(303, safeNext(url.searchParams.get('next')))
  return {}
}

export const actions: Actions = {
  default: async ({ request, cookies, url, getClientAddress }) => {
    const form = await request.formData()
    const email = String(form.get('email') ?? '').trim()
    const password = String(form.get('password') ?? '')
    if (!email || !password)
      return fail(400, { email, message: 'Enter your email and password.' })
    try {
      const { setCookie } = await serverContext().ingest(null).login(email, password, getClientAddress())
      const session = sessionFromSetCookie(setCookie)
      if (!session) return fail(502, { email, message: 'The API did not start a session.' })
      setSessionCookie(cookies, session)
    } catch (err) {
      if (err instanceof IngestError && (err.status === 400 || err.status === 401))
        return fail(401, { email, message: 'That email and password do not match.' })
      if (err instanceof IngestError && err.status === 429) return fail(429, { email, message: 'Too many attempts; wait a minute.' })
      throw err
    }
    redirect(303, safeNext(url.searchParams.get('next')))
  },
}
