import { z } from 'zod'
import { SUBJECT_TOKEN } from './names.ts'

/** A user's or an API key's role (one policy table maps route permissions to roles). */
export const Role = z.enum(['ADMIN', 'EDITOR', 'VIEWER'])
export type Role = z.infer<typeof Role>

/** A tenant id: one NATS subject token. */
export const TenantId = z.string().regex(SUBJECT_TOKEN, 'must be 1-64 letters, digits, _ or -')

const Email = z
  .email({ error: 'must be an email address' })
  .max(254)
  .transform((e) => e.toLowerCase())

/** `POST /api/auth/login`. */
export const LoginBody = z.strictObject({
  email: Email,
  password: z.string({ error: 'is required' }).min(1, 'is required').max(1024),
})
export type LoginBody = z.infer<typeof LoginBody>

/** The signed-in user as `/api/auth/login` and `/api/auth/me` answer `{ user }`. */
export const AuthUser = z.object({
  id: z.string(),
  email: z.string(),
  role: Role,
  tenant_id: z.string(),
})
export type AuthUser = z.infer<typeof AuthUser>

/** `200` of `/api/auth/login` and `/api/auth/me`. */
export const AuthMe = z.object({ user: AuthUser })
export type AuthMe = z.infer<typeof AuthMe>

/** What Redis keeps under `zixly:<ns>:session:<id>`. */
export const SessionRecord = z.object({
  user_id: z.string(),
  email: z.string(),
  role: Role,
  tenant_id: z.string(),
  created_at: z.number().int(),
})
export type SessionRecord = z.infer<typeof SessionRecord>

/** `POST /api/keys`. */
export const CreateApiKeyBody = z.strictObject({
  name: z.string().trim().min(1).max(100),
  role: Role.default('EDITOR'),
  rate_limit_per_minute: z.number().int().min(1).max(1_000_000).optional(),
})
export type CreateApiKeyBody = z.infer<typeof CreateApiKeyBody>

/** An API key as listed (the key itself is never shown again after creation). */
export const ApiKeyView = z.object({
  id: z.string(),
  name: z.string(),
  role: Role,
  rate_limit_per_minute: z.number().int().nullable(),
  created_at: z.string(),
  last_used_at: z.string().nullable(),
  revoked_at: z.string().nullable(),
})
export type ApiKeyView = z.infer<typeof ApiKeyView>

/** `201` of `POST /api/keys`: the only time the key is shown. */
export const ApiKeyCreated = ApiKeyView.extend({ key: z.string() })
export type ApiKeyCreated = z.infer<typeof ApiKeyCreated>

/** `GET /api/keys`. */
export const ApiKeysList = z.object({ keys: z.array(ApiKeyView) })
export type ApiKeysList = z.infer<typeof ApiKeysList>

/** Path parameters of `DELETE /api/keys/:id`: a key id (12 hex digits). */
export const ApiKeyIdParams = z.object({ id: z.string().regex(/^[0-9a-f]{12}$/) })
export type ApiKeyIdParams = z.infer<typeof ApiKeyIdParams>

/** `POST /api/users`. */
export const CreateUserBody = z.strictObject({
  email: Email,
  password: z.string().min(12, 'must be at least 12 characters').max(1024),
  role: Role,
})
export type CreateUserBody = z.infer<typeof CreateUserBody>

/** `PATCH /api/users/:id`. */
export const UpdateUserBody = z.strictObject({
  role: Role.optional(),
  password: z.string().min(12, 'must be at least 12 characters').max(1024).optional(),
  disabled: z.boolean().optional(),
})
export type UpdateUserBody = z.infer<typeof UpdateUserBody>

/** A user as listed. */
export const UserView = z.object({
  id: z.string(),
  email: z.string(),
  role: Role,
  created_at: z.string(),
  last_login_at: z.string().nullable(),
  disabled_at: z.string().nullable(),
})
export type UserView = z.infer<typeof UserView>

/** `GET /api/users`. */
export const UsersList = z.object({ users: z.array(UserView) })
export type UsersList = z.infer<typeof UsersList>

/** Path parameters of `PATCH|DELETE /api/users/:id`. */
export const UserIdParams = z.object({ id: z.uuid() })
export type UserIdParams = z.infer<typeof UserIdParams>

/** A tenant's security settings as `GET /api/settings` shows them (the signing secret never is). */
export const TenantSettingsView = z.object({
  tenant_id: z.string(),
  rate_limit_per_minute: z.number().int(),
  read_rate_limit_per_minute: z.number().int(),
  signatures_required: z.boolean(),
})
export type TenantSettingsView = z.infer<typeof TenantSettingsView>

/** `PATCH /api/settings`; `rotate_signing_secret` answers the new secret once, `false` removes it. */
export const UpdateTenantSettingsBody = z.strictObject({
  rate_limit_per_minute: z.number().int().min(1).max(1_000_000).optional(),
  read_rate_limit_per_minute: z.number().int().min(1).max(1_000_000).optional(),
  signing_secret: z.enum(['rotate', 'remove']).optional(),
})
export type UpdateTenantSettingsBody = z.infer<typeof UpdateTenantSettingsBody>

/** Answer to `PATCH /api/settings`: the settings, and a rotated signing secret (shown this once). */
export const TenantSettingsUpdated = z.object({ settings: TenantSettingsView, signing_secret: z.string().optional() })
export type TenantSettingsUpdated = z.infer<typeof TenantSettingsUpdated>

/** `.zixly/credentials.json`, written by the first `npm start`. */
export const LocalCredentials = z.object({
  tenant_id: TenantId,
  api_key: z.string().min(1),
  signing_secret: z.string().min(1),
  admin_email: z.string(),
  admin_password: z.string().min(1),
})
export type LocalCredentials = z.infer<typeof LocalCredentials>

/** An API key row as the `auth_api_key` lookup returns it, with its tenant's settings. */
export const ApiKeyRecord = z.object({
  id: z.string(),
  tenant_id: z.string(),
  role: Role,
  key_hash: z.string(),
  revoked_at: z.date().nullable(),
  key_rate_limit: z.number().int().nullable(),
  rate_limit_per_minute: z.number().int().nullable(),
  read_rate_limit_per_minute: z.number().int().nullable(),
  signing_secret: z.string().nullable(),
})
export type ApiKeyRecord = z.infer<typeof ApiKeyRecord>

/** A user row as the `auth_user_by_email` lookup returns it. */
export const UserRecord = z.object({
  id: z.string(),
  tenant_id: z.string(),
  email: z.string(),
  role: Role,
  password_hash: z.string().nullable(),
  disabled_at: z.date().nullable(),
})
export type UserRecord = z.infer<typeof UserRecord>

/** The claims a JWT must carry besides `iss`, `aud`, `exp` and `sub`. */
export const JwtClaims = z.object({
  sub: z.string().min(1).max(200),
  tenant_id: TenantId,
  role: Role,
})
export type JwtClaims = z.infer<typeof JwtClaims>
