import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { INFRA } from './tools.ts'

export interface Panel {
  id: number
  type: string
  title: string
  datasource?: { type: string; uid: string }
  gridPos: { h: number; w: number; x: number; y: number }
  targets?: Array<{ refId: string; expr: string; datasource?: { type: string; uid: string } }>
  panels?: Panel[]
}
export interface Dashboard {
  uid: string
  title: string
  panels: Panel[]
  templating: {
    list: Array<{
      name: string
      type: string
      query: string | { query: string }
      datasource?: { uid: string }
    }>
  }
}

export const DASHBOARD_DIR = join(INFRA, 'grafana', 'dashboards')

export function loadDashboards(): Array<{ file: string; dashboard: Dashboard }> {
  return readdirSync(DASHBOARD_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({
      file,
      dashboard: JSON.parse(readFileSync(join(DASHBOARD_DIR, file), 'utf8')) as Dashboard,
    }))
}

/** Every panel, rows' nested panels included. */
export function allPanels(d: Dashboard): Panel[] {
  return d.panels.flatMap((p) => [p, ...(p.panels ?? [])])
}

/** `label_values(metric, label)` of a query variable, as PromQL selector + label. */
export function variableQuery(q: string | { query: string }): { selector: string; label: string } | null {
  const text = typeof q === 'string' ? q : q.query
  const m = /^\s*label_values\(\s*(.+?)\s*,\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\)\s*$/.exec(text)
  return m ? { selector: m[1]!, label: m[2]! } : null
}
