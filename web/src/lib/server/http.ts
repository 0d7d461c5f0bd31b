import { error } from '@sveltejs/kit'
import { ZixlyError } from '@zixly/platform'

/**
 * Runs a call to ingest from a load function or endpoint; a typed error becomes SvelteKit's `error`
 * with the same status and code (a 404 stays a 404 page), anything else goes to `handleError`.
 */
export async function orError<T>(p: Promise<T>): Promise<T> {
  try {
    return await p
  } catch (err) {
    if (err instanceof ZixlyError) {
      const fields = (err as { fields?: Array<{ field: string; message: string }> }).fields
      error(err.status, { message: err.status >= 500 && err.code === 'INTERNAL' ? 'Something went wrong.' : err.message, code: err.code, ...(fields?.length ? { errors: fields } : {}) })
    }
    throw err
  }
}
