import { describe, expect, it } from 'vitest'
import { authorize, isPermission, PERMISSIONS, permissionsOf, POLICY } from '../src/policy.ts'

describe('the policy table', () => {
  it('lets a VIEWER only read', () => {
    expect(permissionsOf('VIEWER')).toEqual(['jobs:read', 'deadletters:read'])
  })
  it('lets an EDITOR also trigger, cancel and retry, and nothing an ADMIN alone may do', () => {
    const editor = permissionsOf('EDITOR')
    for (const p of ['jobs:read', 'jobs:trigger', 'jobs:cancel', 'jobs:retry'] as const) expect(editor).toContain(p)
    for (const p of ['users:manage', 'keys:manage', 'settings:manage', 'dispatch:pause', 'deadletters:redrive'] as const)
      expect(authorize({ role: 'EDITOR' }, p)).toBe(false)
  })
  it('lets an ADMIN do everything', () => {
    expect(permissionsOf('ADMIN')).toEqual([...PERMISSIONS])
  })
  it('refuses a permission that is not in the table', () => {
    expect(isPermission('jobs:delete')).toBe(false)
    expect(authorize({ role: 'ADMIN' }, 'jobs:delete' as never)).toBe(false)
  })
  it('names a role list for every permission', () => {
    for (const p of PERMISSIONS) expect(POLICY[p].length).toBeGreaterThan(0)
  })
})
