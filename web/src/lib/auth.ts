// Who is signed in, and what the dashboard offers them. Ingest enforces the policy table of
// `@zixly/auth` (policy.ts) on every route; this mirror of it only decides which controls are drawn,
// so a VIEWER never sees a button that would be refused. The dashboard's own actions check it too.

import type { AuthUser, Role } from '@zixly/contracts'

export type SessionUser = AuthUser

export type Action = 'read' | 'trigger' | 'cancel' | 'retry' | 'dispatch' | 'redrive'

const POLICY: Record<Action, readonly Role[]> = {
  read: ['ADMIN', 'EDITOR', 'VIEWER'],
  trigger: ['ADMIN', 'EDITOR'],
  cancel: ['ADMIN', 'EDITOR'],
  retry: ['ADMIN', 'EDITOR'],
  dispatch: ['ADMIN'],
  redrive: ['ADMIN'],
}

/** Whether a user may do an action (false when nobody is signed in). */
export function can(user: Pick<SessionUser, 'role'> | null | undefined, action: Action): boolean {
  return user != null && POLICY[action].includes(user.role)
}
