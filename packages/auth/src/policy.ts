import type { Role } from '@zixly/contracts'

/**
 * Every permission a route can ask for. A route names exactly one in its fastify config
 * (`config: { permission: 'jobs:read' }`); a route that names none is refused (default deny).
 */
export const PERMISSIONS = [
  'jobs:read',
  'jobs:trigger',
  'jobs:cancel',
  'jobs:retry',
  'dispatch:pause',
  'deadletters:read',
  'deadletters:redrive',
  'users:manage',
  'keys:manage',
  'settings:manage',
] as const
export type Permission = (typeof PERMISSIONS)[number]

/**
 * What a route config may say: a permission, or `public` for a route that authenticates by other
 * means (login, the Trading-API callback with its per-job token) or needs none (health, metrics).
 */
export type RoutePermission = Permission | 'public'

/**
 * The one policy table (the seed's matrix): VIEWER reads; EDITOR also triggers, cancels and retries;
 * ADMIN also manages users, keys and settings, pauses and resumes dispatch, and redrives dead letters.
 */
export const POLICY: Readonly<Record<Permission, readonly Role[]>> = {
  'jobs:read': ['VIEWER', 'EDITOR', 'ADMIN'],
  'deadletters:read': ['VIEWER', 'EDITOR', 'ADMIN'],
  'jobs:trigger': ['EDITOR', 'ADMIN'],
  'jobs:cancel': ['EDITOR', 'ADMIN'],
  'jobs:retry': ['EDITOR', 'ADMIN'],
  'dispatch:pause': ['ADMIN'],
  'deadletters:redrive': ['ADMIN'],
  'users:manage': ['ADMIN'],
  'keys:manage': ['ADMIN'],
  'settings:manage': ['ADMIN'],
}

/** Routes that need no credentials whatever their config says (probes, metrics scrape, API docs). */
export const OPEN_PATHS: readonly string[] = ['/health', '/ready', '/metrics', '/openapi.json']

/** How a request proved who it is. */
export type PrincipalKind = 'api_key' | 'session' | 'jwt'

/** Who a request acts as, after authentication. */
export interface Principal {
  readonly kind: PrincipalKind
  readonly tenantId: string
  readonly role: Role
  /** The API key id, the user id, or the JWT subject. */
  readonly subject: string
  readonly email?: string
  /** The rate limits that apply, per minute (from the tenant's settings or the key). */
  readonly limits: { readonly write: number; readonly read: number; readonly subject: number | null }
  /** The tenant's webhook signing secret, when it has one (API-key requests must then be signed). */
  readonly signingSecret: string | null
}

export function isPermission(value: unknown): value is Permission {
  return typeof value === 'string' && (PERMISSIONS as readonly string[]).includes(value)
}

/** Whether `principal` may do what `permission` guards. Unknown permissions are refused. */
export function authorize(principal: Pick<Principal, 'role'>, permission: Permission): boolean {
  const roles = POLICY[permission] as readonly Role[] | undefined
  return roles !== undefined && roles.includes(principal.role)
}

/** The permissions a role holds (for `/api/auth/me` consumers and docs). */
export function permissionsOf(role: Role): Permission[] {
  return PERMISSIONS.filter((p) => POLICY[p].includes(role))
}
