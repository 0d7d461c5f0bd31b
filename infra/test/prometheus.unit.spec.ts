import { mkdtempSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { ensurePromtool, INFRA, run } from './support/tools.ts'

const PROM = join(INFRA, 'prometheus')

/** Every service and the port its GET /metrics answers on. */
const SERVICES: Record<string, number> = {
  ingest: 3000,
  orchestrator: 3011,
  executor: 3012,
  projector: 3013,
  notifier: 3014,
  'trading-api': 8000,
}
const ALERTS = [
  'HighErrorRate',
  'QueueBacklog',
  'WorkerDown',
  'SlowExecution',
  'ProjectorLag',
  'DeadLetterGrowth',
  'TradingApiUnreachable',
]

interface PromConfig {
  rule_files: string[]
  scrape_configs: Array<{
    job_name: string
    metrics_path?: string
    static_configs: Array<{ targets: string[] }>
  }>
}
interface RuleFile {
  groups: Array<{
    name: string
    rules: Array<{ alert: string; expr: string; for?: string; labels: Record<string, string> }>
  }>
}

const load = <T>(file: string): T => parse(readFileSync(join(PROM, file), 'utf8')) as T

let promtool = ''
beforeAll(() => {
  promtool = ensurePromtool()
}, 600_000)

describe('prometheus config', () => {
  it.each(['prometheus.yml', 'prometheus.host.yml'])(
    '%s passes promtool check config (with its rule file)',
    (file) => {
      const r = run(promtool, ['check', 'config', file], { cwd: PROM })
      expect(r.output).toContain('SUCCESS')
      expect(r.status, r.output).toBe(0)
    },
  )

  it('scrapes every service by compose service name on its port, at /metrics', () => {
    const cfg = load<PromConfig>('prometheus.yml')
    for (const [svc, port] of Object.entries(SERVICES)) {
      const job = cfg.scrape_configs.find((j) => j.job_name === svc)
      expect(job, `scrape job ${svc}`).toBeDefined()
      expect(job!.metrics_path ?? '/metrics').toBe('/metrics')
      expect(job!.static_configs.flatMap((s) => s.targets)).toEqual([`${svc}:${port}`])
    }
  })

  it('prometheus.host.yml scrapes the same jobs and ports on 127.0.0.1', () => {
    const bridge = load<PromConfig>('prometheus.yml')
    const host = load<PromConfig>('prometheus.host.yml')
    const portsOf = (c: PromConfig) =>
      Object.fromEntries(
        c.scrape_configs.map((j) => [
          j.job_name,
          j.static_configs.flatMap((s) => s.targets).map((t) => t.split(':')[1]),
        ]),
      )
    expect(portsOf(host)).toEqual(portsOf(bridge))
    const hosts = host.scrape_configs
      .flatMap((j) => j.static_configs.flatMap((s) => s.targets))
      .map((t) => t.split(':')[0])
    expect(new Set(hosts)).toEqual(new Set(['127.0.0.1']))
    expect(host.rule_files).toEqual(bridge.rule_files)
  })
})

describe('alert rules', () => {
  it('alerts.yml passes promtool check rules', () => {
    const r = run(promtool, ['check', 'rules', 'alerts.yml'], { cwd: PROM })
    expect(r.status, r.output).toBe(0)
    expect(r.output).toContain(`SUCCESS: ${ALERTS.length} rules found`)
  })

  it('defines the seed alerts plus ProjectorLag, DeadLetterGrowth and TradingApiUnreachable, each with a severity', () => {
    const rules = load<RuleFile>('alerts.yml').groups.flatMap((g) => g.rules)
    expect(rules.map((r) => r.alert).sort()).toEqual([...ALERTS].sort())
    for (const r of rules) expect(['critical', 'warning'], r.alert).toContain(r.labels.severity)
  })

  it('every alert has a unit test in alerts.test.yml', () => {
    const tests = load<{
      tests: Array<{ alert_rule_test: Array<{ alertname: string; exp_alerts: unknown[] }> }>
    }>('alerts.test.yml').tests
    const firing = new Set(
      tests.flatMap((t) => t.alert_rule_test.filter((a) => a.exp_alerts.length > 0).map((a) => a.alertname)),
    )
    expect([...firing].sort()).toEqual([...ALERTS].sort())
  })

  it('promtool test rules passes: QueueBacklog fires at 10 min above threshold and not at 9, HighErrorRate after 5 min', () => {
    const r = run(promtool, ['test', 'rules', 'alerts.test.yml'], { cwd: PROM })
    expect(r.output).toContain('SUCCESS')
    expect(r.status, r.output).toBe(0)
  })

  // The unit tests above must be able to fail: a rule with a shorter `for` is caught.
  it.each([
    ['QueueBacklog', '10m', '9m'],
    ['HighErrorRate', '5m', '4m'],
  ])('promtool test rules fails when %s waits %s → %s', (alert, from, to) => {
    const dir = mkdtempSync(join(tmpdir(), 'zixly-alerts-'))
    const text = readFileSync(join(PROM, 'alerts.yml'), 'utf8')
    const re = new RegExp(`(- alert: ${alert}\\n(?:.*\\n)*?\\s+for: )${from}`)
    expect(re.test(text), `${alert} has for: ${from}`).toBe(true)
    writeFileSync(join(dir, 'alerts.yml'), text.replace(re, `$1${to}`))
    copyFileSync(join(PROM, 'alerts.test.yml'), join(dir, 'alerts.test.yml'))
    const r = run(promtool, ['test', 'rules', 'alerts.test.yml'], { cwd: dir })
    expect(r.status).not.toBe(0)
    expect(r.output).toContain(`alertname: ${alert}`)
  })
})
