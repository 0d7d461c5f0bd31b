import type { Cookies } from '@sveltejs/kit'
import { SESSION_COOKIE } from './ingest.ts'

/** The session cookie of ingest's Set-Cookie lines: its value and the attributes to copy. */
export function sessionFromSetCookie(lines: readonly string[]): { value: string; maxAge?: number; secure: boolean } | null {
  for (const line of lines) {
    const [pair, ...attrs] = line.split(';').map((s) => s.trim())
    if (!pair?.startsWith(`${SESSION_COOKIE}=`)) continue
    const value = decodeURIComponent(pair.slice(SESSION_COOKIE.length + 1))
    if (!value) return null
    const attr = (name: string) => attrs.find((a) => a.toLowerCase().startsWith(name))
    const maxAge = attr('max-age=')
    return {
      value,
      secure: attrs.some((a) => a.toLowerCase() === 'secure'),
      ...(maxAge ? { maxAge: Number(maxAge.split('=')[1]) } : {}),
    }
  }
  return null
}

/** Re-sets ingest's session for the dashboard's own origin, with the same attributes. */
export function setSessionCookie(cookies: Cookies, s: { value: string; maxAge?: number; secure: boolean }) {
  cookies.set(SESSION_COOKIE, s.value, {
    path: '/',
    httpOnly: true,
    sameSite: 'strict',
    secure: s.secure,
    ...(s.maxAge !== undefined && Number.isFinite(s.maxAge) ? { maxAge: s.maxAge } : {}),
  })
}
