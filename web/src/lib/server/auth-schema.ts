import { z } from 'zod'

// TEMPORARY: the security issue adds the auth answer's schema to contracts/; until it lands this
// mirrors the agreed contract (`{user: {id, email, role, tenant_id}}`) so the dashboard can parse it.
export const AuthUserAnswer = z.object({
  user: z.object({
    id: z.string(),
    email: z.string(),
    role: z.enum(['ADMIN', 'EDITOR', 'VIEWER']),
    tenant_id: z.string(),
  }),
})
