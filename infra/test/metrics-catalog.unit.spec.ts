import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { checkExpr, loadCatalog, metricRefs } from './support/catalog.ts'
import { INFRA } from './support/tools.ts'

const catalog = loadCatalog()

/** The metrics the services export, as agreed in the issue: name → [type, labels]. */
const AGREED: Record<string, [string, string[]]> = {
  pipeline_jobs_queued_total: ['counter', ['job_type', 'tenant_id', 'ticker']],
  pipeline_job_duration_seconds: ['histogram', ['job_type', 'status']],
  pipeline_jobs_processed_total: ['counter', ['job_type', 'status']],
  pipeline_jobs: ['gauge', ['status']],
  http_request_duration_seconds: ['histogram', ['method', 'route', 'status']],
  trading_api_latency_seconds: ['histogram', ['endpoint']],
  trading_api_errors_total: ['counter', ['endpoint', 'error_type']],
  zixly_consumer_pending: ['gauge', ['stream', 'durable']],
  zixly_consumer_redelivered: ['gauge', ['stream', 'durable']],
  zixly_projector_lag_events: ['gauge', []],
  zixly_executor_busy_workers: ['gauge', []],
  zixly_dead_letters_total: ['counter', ['reason']],
  zixly_rate_limit_rejections_total: ['counter', ['tenant_id']],
}

describe('metrics catalog', () => {
  it('lists exactly the agreed Zixly metrics with their types and labels', () => {
    const own = catalog.metrics.filter((m) => m.source === 'zixly')
    expect(Object.fromEntries(own.map((m) => [m.name, [m.type, m.labels]]))).toEqual(AGREED)
  })

  it('has prom-client default metrics (process_*, nodejs_*) and up, each named once with help text', () => {
    const names = catalog.metrics.map((m) => m.name)
    expect(new Set(names).size).toBe(names.length)
    expect(names).toContain('up')
    expect(names).toContain('process_resident_memory_bytes')
    expect(names).toContain('nodejs_eventloop_lag_p99_seconds')
    for (const m of catalog.metrics.filter((m) => m.source === 'prom-client-default'))
      expect(m.name, m.name).toMatch(/^(process|nodejs)_/)
    for (const m of catalog.metrics) {
      expect(m.name).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/)
      expect(['counter', 'gauge', 'histogram', 'summary'], m.name).toContain(m.type)
      expect(m.help.length, m.name).toBeGreaterThan(0)
      if (m.type === 'counter') expect(m.name, 'counters end in _total').toMatch(/_total$/)
    }
  })
})

describe('PromQL checker', () => {
  it('finds the metrics of nested selectors, including __name__ matchers, and ignores label values and functions', () => {
    const refs = metricRefs(
      'sum by (le) (rate(pipeline_job_duration_seconds_bucket{status=~"failed|up"}[$__rate_interval])) / on() {__name__="up", job="x"}',
    )
    expect(refs).toEqual([
      { name: 'pipeline_job_duration_seconds_bucket', labels: ['status'] },
      { name: 'up', labels: ['job'] },
    ])
  })

  it.each([
    ['an unknown metric', 'rate(pipeline_jobs_failed_total[5m]) > 0', 'not in infra/metrics-catalog.json'],
    ['a label the metric lacks', 'pipeline_jobs{ticker="BTC-USD"}', 'has no label "ticker"'],
    ['a histogram read without a series suffix', 'pipeline_job_duration_seconds > 1', 'is a histogram'],
    ['le on a histogram _count', 'trading_api_latency_seconds_count{le="1"}', 'has no label "le"'],
  ])('reports %s', (_what, expr, message) => {
    expect(checkExpr(catalog, expr).join('\n')).toContain(message)
  })

  it.each([
    ['PromQL that does not parse', 'sum(rate(up[5m])'],
    ['a selector without a literal metric name', '{__name__=~"pipeline_.*"}'],
  ])('throws on %s', (_what, expr) => {
    expect(() => checkExpr(catalog, expr)).toThrow()
  })
})

describe('alert rules', () => {
  const rules = (
    parse(readFileSync(join(INFRA, 'prometheus/alerts.yml'), 'utf8')) as {
      groups: Array<{ rules: Array<{ alert: string; expr: string }> }>
    }
  ).groups.flatMap((g) => g.rules)

  it.each(rules.map((r) => [r.alert, r.expr]))(
    '%s names only metrics and labels from the catalog',
    (_alert, expr) => {
      expect(metricRefs(expr).length).toBeGreaterThan(0)
      expect(checkExpr(catalog, expr)).toEqual([])
    },
  )
})
