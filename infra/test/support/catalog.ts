import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parser } from '@prometheus-io/lezer-promql'
import { INFRA } from './tools.ts'

export interface CatalogMetric {
  name: string
  type: 'counter' | 'gauge' | 'histogram' | 'summary'
  labels: string[]
  help: string
  source: 'zixly' | 'prom-client-default' | 'prometheus'
}
export interface Catalog {
  defaultLabels: string[]
  targetLabels: string[]
  metrics: CatalogMetric[]
}

export function loadCatalog(): Catalog {
  return JSON.parse(readFileSync(join(INFRA, 'metrics-catalog.json'), 'utf8')) as Catalog
}

/** One metric a query reads, as written, with the label names its selector matches on. */
export interface MetricRef {
  name: string
  labels: string[]
}

/** Grafana's built-in interval variables, replaced by a duration so the query parses as PromQL. */
const GRAFANA_DURATIONS =
  /\$(__rate_interval|__interval|__range)\b|\$\{(__rate_interval|__interval|__range)\}/g

/**
 * Every metric a PromQL expression reads, found with Prometheus's own grammar. Conservative: an
 * expression that does not parse, or a selector without a literal metric name (`{__name__=~"…"}`),
 * is an error rather than something to skip.
 */
export function metricRefs(expr: string): MetricRef[] {
  const src = expr.replace(GRAFANA_DURATIONS, '5m')
  const tree = parser.parse(src)
  const refs: MetricRef[] = []
  const errors: string[] = []
  tree.iterate({
    enter(node) {
      if (node.type.isError)
        errors.push(`at ${node.from}: "${src.slice(Math.max(0, node.from - 10), node.to + 10)}"`)
      if (node.name !== 'VectorSelector') return
      let name: string | null = null
      const labels: string[] = []
      const sel = node.node
      const id = sel.getChild('Identifier')
      if (id) name = src.slice(id.from, id.to)
      const matchers = sel.getChild('LabelMatchers')
      for (const m of matchers
        ? [...matchers.getChildren('UnquotedLabelMatcher'), ...matchers.getChildren('QuotedLabelMatcher')]
        : []) {
        const ln = m.getChild('LabelName')
        const op = m.getChild('MatchOp')
        const value = m.getChild('StringLiteral')
        const label = ln ? src.slice(ln.from, ln.to) : ''
        if (label === '__name__') {
          const exact = op && src.slice(op.from, op.to) === '='
          if (!exact || !value)
            errors.push(`selector "${src.slice(sel.from, sel.to)}" does not name one metric`)
          else name = JSON.parse(src.slice(value.from, value.to)) as string
        } else if (label) labels.push(label)
      }
      if (name === null) errors.push(`selector "${src.slice(sel.from, sel.to)}" has no metric name`)
      else refs.push({ name, labels })
    },
  })
  if (errors.length > 0)
    throw new Error(`not valid PromQL or not checkable: ${expr}\n  ${errors.join('\n  ')}`)
  return refs
}

/**
 * Problems with one reference against the catalog: an unknown metric (a histogram is read through its
 * `_bucket` / `_sum` / `_count` series), or a label the metric does not carry.
 */
export function checkRef(catalog: Catalog, ref: MetricRef): string[] {
  const byName = new Map(catalog.metrics.map((m) => [m.name, m]))
  let metric = byName.get(ref.name)
  let extra: string[] = []
  if (!metric) {
    const m = /^(.*)_(bucket|sum|count)$/.exec(ref.name)
    const base = m ? byName.get(m[1]!) : undefined
    if (base && (base.type === 'histogram' || base.type === 'summary')) {
      metric = base
      if (m![2] === 'bucket') extra = ['le']
    }
  } else if (metric.type === 'histogram') {
    return [`${ref.name} is a histogram: read it through ${ref.name}_bucket, _sum or _count`]
  }
  if (!metric) return [`${ref.name} is not in infra/metrics-catalog.json`]
  const known = new Set([
    ...metric.labels,
    ...extra,
    ...catalog.targetLabels,
    ...(metric.source === 'prometheus' ? [] : catalog.defaultLabels),
  ])
  return ref.labels.filter((l) => !known.has(l)).map((l) => `${ref.name} has no label "${l}"`)
}

/** Every problem in an expression, or [] when it reads only catalogued metrics and labels. */
export function checkExpr(catalog: Catalog, expr: string): string[] {
  return metricRefs(expr).flatMap((r) => checkRef(catalog, r))
}
