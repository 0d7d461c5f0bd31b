import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { checkExpr, checkRef, loadCatalog, metricRefs } from './support/catalog.ts'
import { allPanels, loadDashboards, variableQuery } from './support/grafana.ts'
import { INFRA } from './support/tools.ts'

const catalog = loadCatalog()
const dashboards = loadDashboards()
const datasources = parse(
  readFileSync(join(INFRA, 'grafana/provisioning/datasources/prometheus.yml'), 'utf8'),
) as {
  datasources: Array<{ uid: string; type: string; url: string; isDefault: boolean }>
}
const providers = parse(readFileSync(join(INFRA, 'grafana/provisioning/dashboards/zixly.yml'), 'utf8')) as {
  providers: Array<{ type: string; options: { path: string } }>
}

describe('grafana provisioning', () => {
  it('provisions one default Prometheus datasource whose URL comes from PROMETHEUS_URL', () => {
    expect(datasources.datasources).toHaveLength(1)
    expect(datasources.datasources[0]).toMatchObject({
      type: 'prometheus',
      isDefault: true,
      url: '${PROMETHEUS_URL}',
    })
  })

  it('ships the "Pipeline overview" and "Trading pipeline" dashboards with distinct uids', () => {
    expect(dashboards.map((d) => d.dashboard.title).sort()).toEqual(['Pipeline overview', 'Trading pipeline'])
    expect(new Set(dashboards.map((d) => d.dashboard.uid)).size).toBe(dashboards.length)
    expect(providers.providers[0]).toMatchObject({
      type: 'file',
      options: { path: '/var/lib/grafana/dashboards' },
    })
  })

  it('has the seed panels on each dashboard', () => {
    const titles = (t: string) =>
      allPanels(dashboards.find((d) => d.dashboard.title === t)!.dashboard).map((p) => p.title)
    expect(titles('Pipeline overview')).toEqual(
      expect.arrayContaining([
        'Jobs queued (24h)',
        'Success rate (24h)',
        'P95 job duration',
        'Active workers',
        'Job flow over time',
        'Error rate',
      ]),
    )
    expect(titles('Trading pipeline')).toEqual(
      expect.arrayContaining([
        'Trading sweep jobs by ticker',
        'Execution time (p95)',
        'Completion rate',
        'API latency by endpoint (p95)',
        'Error breakdown',
      ]),
    )
  })
})

describe.each(dashboards.map((d) => [d.dashboard.title, d.dashboard] as const))(
  'dashboard %s',
  (_title, dashboard) => {
    const panels = allPanels(dashboard)
    const dsUid = datasources.datasources[0]!.uid

    it('has unique panel ids and every panel fits the 24-column grid without overlapping another', () => {
      expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length)
      const cells = new Map<string, string>()
      for (const p of panels) {
        const { x, y, w, h } = p.gridPos
        expect(x + w, p.title).toBeLessThanOrEqual(24)
        for (let i = x; i < x + w; i++)
          for (let j = y; j < y + h; j++) {
            const key = `${i},${j}`
            expect(cells.get(key), `${p.title} overlaps ${cells.get(key)}`).toBeUndefined()
            cells.set(key, p.title)
          }
      }
    })

    it('queries only the provisioned datasource', () => {
      for (const p of panels.filter((p) => p.type !== 'row')) {
        expect(p.datasource?.uid, p.title).toBe(dsUid)
        for (const t of p.targets ?? []) expect(t.datasource?.uid ?? dsUid, p.title).toBe(dsUid)
      }
    })

    it('every panel query is PromQL that names only metrics and labels from the catalog', () => {
      const queries = panels.flatMap((p) =>
        (p.targets ?? []).map((t) => ({ where: `${p.title} ${t.refId}`, expr: t.expr })),
      )
      expect(queries.length).toBeGreaterThan(5)
      for (const q of queries) expect(checkExpr(catalog, q.expr), q.where).toEqual([])
    })

    it('every panel other than a row has at least one query', () => {
      for (const p of panels.filter((p) => p.type !== 'row'))
        expect(p.targets?.length ?? 0, p.title).toBeGreaterThan(0)
    })

    it('template variables read label values of catalogued metrics', () => {
      for (const v of dashboard.templating.list.filter((v) => v.type === 'query')) {
        const q = variableQuery(v.query)
        expect(q, v.name).not.toBeNull()
        const [ref] = metricRefs(q!.selector)
        expect(checkRef(catalog, { name: ref!.name, labels: [...ref!.labels, q!.label] }), v.name).toEqual([])
      }
    })
  },
)
