// Who is signed in, and what the dashboard offers them. The server (ingest) enforces the same policy
// on every route; this table only decides which controls are drawn, so a VIEWER never sees a button
// that would be refused.

export type Role = 'ADMIN' | 'EDITOR' | 'VIEWER'

export interface SessionUser {
  id: string
  email: string
  role: Role
  tenant_id: string
}

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
