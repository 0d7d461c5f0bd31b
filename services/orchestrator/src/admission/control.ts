import type { ControlEvent } from '@zixly/contracts'

/** Whether dispatch is paused, for every tenant and per tenant (independent switches). */
export interface DispatchControl {
  readonly global: boolean
  readonly tenants: ReadonlySet<string>
}

export const initialControl = (): DispatchControl => ({ global: false, tenants: new Set() })

/**
 * Folds a control event into the switches. Pure. A global resume does not resume a tenant paused on
 * its own: the two are separate decisions, each undone by its own resume.
 */
export function evolveControl(control: DispatchControl, event: ControlEvent): DispatchControl {
  if (event.type !== 'DispatchPaused' && event.type !== 'DispatchResumed') return control
  const paused = event.type === 'DispatchPaused'
  const tenant = event.data.tenant_id
  if (tenant === null) return { ...control, global: paused }
  const tenants = new Set(control.tenants)
  if (paused) tenants.add(tenant)
  else tenants.delete(tenant)
  return { ...control, tenants }
}

/** Whether a tenant's queued jobs may be dispatched now. */
export const mayDispatch = (control: DispatchControl, tenantId: string): boolean =>
  !control.global && !control.tenants.has(tenantId)
