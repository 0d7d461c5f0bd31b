// See https://svelte.dev/docs/kit/types#app.d.ts
import type { SessionUser } from '$lib/auth'

declare global {
  namespace App {
    /** What a page or endpoint may show of an error: a stable code and a message, never a stack. */
    interface Error {
      message: string
      code: string
      /** Field errors of a 400 from ingest (problem+json `errors[]`). */
      errors?: Array<{ field: string; message: string }>
    }
    interface Locals {
      user: SessionUser | null
      /** The opaque `zixly_session` id, forwarded to ingest on every call. */
      session: string | null
    }
  }
}

export {}
