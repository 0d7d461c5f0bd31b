import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseAllDocuments } from 'yaml'
import {
  allContainers,
  configRefs,
  podLabels,
  podSpec,
  selects,
  structuralProblems,
} from './support/k8s-checks.ts'
import { jsonPatch, kustomize, strategicMerge, type K8sObject } from './support/kustomize.ts'
import { INFRA, run, which } from './support/tools.ts'

const K8S = join(INFRA, 'k8s')
const OVERLAYS = ['dev', 'production'] as const
const rendered = Object.fromEntries(OVERLAYS.map((o) => [o, kustomize(join(K8S, 'overlays', o))])) as Record<
  (typeof OVERLAYS)[number],
  K8sObject[]
>

const APP = ['ingest', 'orchestrator', 'executor', 'projector', 'notifier', 'trading-api', 'web']
const CONSUMERS = ['orchestrator', 'executor', 'projector', 'notifier']
/** Secrets an operator creates outside the manifests (docs/deploy.md says how). */
const EXTERNAL_SECRETS: Record<string, string[]> = { dev: [], production: ['zixly-postgres'] }

const find = (objs: K8sObject[], kind: string, name: string) =>
  objs.find((o) => o.kind === kind && o.metadata.name === name)
const spec = (o: K8sObject | undefined) => (o?.spec ?? {}) as Record<string, unknown>

describe('kustomize renderer', () => {
  it('merges containers and env by name, and replaces scalars', () => {
    const merged = strategicMerge(
      { spec: { replicas: 1, containers: [{ name: 'a', image: 'x', env: [{ name: 'A', value: '1' }] }] } },
      { spec: { replicas: 2, containers: [{ name: 'a', env: [{ name: 'B', value: '2' }] }] } },
    )
    expect(merged).toEqual({
      spec: {
        replicas: 2,
        containers: [
          {
            name: 'a',
            image: 'x',
            env: [
              { name: 'A', value: '1' },
              { name: 'B', value: '2' },
            ],
          },
        ],
      },
    })
  })

  it('applies JSON 6902 patches and fails on a path that does not exist', () => {
    expect(jsonPatch({ spec: { a: [1, 2] } }, [{ op: 'replace', path: '/spec/a/1', value: 3 }])).toEqual({
      spec: { a: [1, 3] },
    })
    expect(() => jsonPatch({ spec: {} }, [{ op: 'replace', path: '/spec/missing/x', value: 1 }])).toThrow(
      'does not exist',
    )
  })

  it('refuses kustomization fields it does not model, and patches that match nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'zixly-kust-'))
    writeFileSync(join(dir, 'kustomization.yaml'), 'resources: []\nhelmCharts: []\n')
    expect(() => kustomize(dir)).toThrow('unsupported field(s) helmCharts')
    const dir2 = mkdtempSync(join(tmpdir(), 'zixly-kust-'))
    writeFileSync(join(dir2, 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n')
    writeFileSync(
      join(dir2, 'kustomization.yaml'),
      'resources: [cm.yaml]\nreplicas: [{name: nope, count: 2}]\n',
    )
    expect(() => kustomize(dir2)).toThrow('matches nothing')
  })

  // kubectl is not part of every machine; where it is (it ships kustomize), both renderers must agree.
  it.runIf(which('kubectl') !== null)('renders every overlay exactly as kubectl kustomize does', () => {
    for (const o of OVERLAYS) {
      const r = run('kubectl', ['kustomize', join(K8S, 'overlays', o)])
      expect(r.status, r.output).toBe(0)
      const theirs = parseAllDocuments(r.output).map((d) => d.toJS() as K8sObject)
      const key = (x: K8sObject) => `${x.kind}/${x.metadata.name}`
      const sort = (xs: K8sObject[]) => [...xs].sort((a, b) => key(a).localeCompare(key(b)))
      expect(sort(rendered[o]).map(key)).toEqual(sort(theirs).map(key))
      const norm = (x: K8sObject) => JSON.parse(JSON.stringify(x)) as unknown
      for (const t of theirs)
        expect(norm(find(rendered[o], t.kind, t.metadata.name)!), key(t)).toEqual(norm(t))
    }
  })
})

describe('every kustomization', () => {
  const dirs = run('git', ['ls-files', '-co', '--exclude-standard', K8S])
    .output.split('\n')
    .filter((f) => f.endsWith('/kustomization.yaml'))
    .map((f) => join(INFRA, '..', f.replace(/\/kustomization\.yaml$/, '')))

  it('is the base or one of the overlays the tests know', () => {
    expect(dirs.map((d) => d.slice(K8S.length + 1)).sort()).toEqual(
      ['base', ...OVERLAYS.map((o) => `overlays/${o}`)].sort(),
    )
  })

  it.each(dirs.map((d) => [d.slice(K8S.length + 1), d]))(
    '%s renders, and every object in it has its required fields',
    (_name, dir) => {
      const objs = kustomize(dir)
      expect(objs.length).toBeGreaterThan(0)
      expect(objs.flatMap(structuralProblems)).toEqual([])
    },
  )
})

describe.each(OVERLAYS)('overlay %s', (overlay) => {
  const objs = rendered[overlay]

  it('renders only known kinds, each with its required fields, in namespace zixly', () => {
    expect(objs.length).toBeGreaterThan(20)
    expect(objs.flatMap(structuralProblems)).toEqual([])
    for (const o of objs.filter((o) => o.kind !== 'Namespace'))
      expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBe('zixly')
  })

  it('runs every service as a Deployment probed at /health (liveness) and /ready (readiness), with resource limits', () => {
    for (const name of APP) {
      const d = find(objs, 'Deployment', name)
      expect(d, name).toBeDefined()
      const c = podSpec(d!)!.containers.find((c) => c.name === name)!
      expect(c.livenessProbe?.httpGet?.path, name).toBe('/health')
      expect(c.readinessProbe?.httpGet?.path, name).toBe('/ready')
      expect(c.resources?.limits?.cpu && c.resources.limits.memory, name).toBeTruthy()
      expect(c.image, name).toMatch(new RegExp(`zixly/${name}:`))
      expect(podSpec(d!)!.securityContext?.runAsUser, `${name} runs as the image's user`).toBe(10001)
    }
  })

  it('reads DATABASE_URL from the Secret zixly-postgres, and every ConfigMap and Secret it reads exists', () => {
    for (const name of APP) {
      const env = podSpec(find(objs, 'Deployment', name)!)!.containers[0]!.env ?? []
      expect(env.find((e) => e.name === 'DATABASE_URL')?.valueFrom?.secretKeyRef, name).toEqual({
        name: 'zixly-postgres',
        key: 'DATABASE_URL',
      })
      expect(
        env.some((e) => e.name === 'DATABASE_URL' && e.value !== undefined),
        name,
      ).toBe(false)
    }
    const missing = configRefs(objs)
      .filter((r) => !r.optional && !find(objs, r.kind, r.name))
      .filter((r) => !(r.kind === 'Secret' && EXTERNAL_SECRETS[overlay]!.includes(r.name)))
    expect(missing).toEqual([])
  })

  it('gives every Service a selector that matches pods and a target port those pods declare', () => {
    for (const svc of objs.filter((o) => o.kind === 'Service')) {
      const sel = spec(svc).selector as Record<string, string>
      const pods = objs.filter((o) => podSpec(o) && selects(sel, podLabels(o)))
      expect(pods.length, svc.metadata.name).toBeGreaterThan(0)
      for (const port of spec(svc).ports as Array<{ targetPort: string | number }>) {
        const declared = pods.flatMap((p) =>
          podSpec(p)!.containers.flatMap((c) => (c.ports ?? []).flatMap((x) => [x.name, x.containerPort])),
        )
        expect(declared, `${svc.metadata.name} → ${port.targetPort}`).toContain(port.targetPort)
      }
    }
  })

  it('runs NATS as a 3-server JetStream cluster whose routes name all three pods', () => {
    const sts = find(objs, 'StatefulSet', 'nats')!
    expect(spec(sts).replicas).toBe(3)
    const headless = find(objs, 'Service', spec(sts).serviceName as string)!
    expect(spec(headless).clusterIP).toBe('None')
    const conf = (find(objs, 'ConfigMap', 'nats-config')!.data as Record<string, string>)['nats.conf']!
    expect(conf).toMatch(/jetstream\s*\{/)
    for (const i of [0, 1, 2]) expect(conf).toContain(`nats://nats-${i}.${headless.metadata.name}:6222`)
    expect((spec(sts).volumeClaimTemplates as unknown[]).length).toBe(1)
  })

  it('creates the streams EVENTS and COMMANDS with 3 replicas in a Job, and consumers wait for them', () => {
    const job = find(objs, 'Job', 'nats-streams')!
    const scripts = find(objs, 'ConfigMap', 'nats-streams')!.data as Record<string, string>
    const cmd = podSpec(job)!.containers[0]!.command!.join(' ')
    const script = scripts[cmd.split('/').pop()!]!
    expect(script).toMatch(/ensure EVENTS "\$ns\.evt\.>" limits/)
    expect(script).toMatch(/ensure COMMANDS "\$ns\.cmd\.>" work/)
    expect(script).toMatch(/stream add "\$name" [\s\S]*?--replicas "\$replicas"/)
    expect(script).toContain('stream edit "$name" --replicas "$replicas"')
    const config = find(objs, 'ConfigMap', 'zixly-config')!.data as Record<string, string>
    expect(config.JETSTREAM_REPLICAS).toBe('3')
    for (const name of [...CONSUMERS, 'ingest']) {
      const init = podSpec(find(objs, 'Deployment', name)!)!.initContainers ?? []
      expect(
        init.map((c) => c.command?.join(' ')),
        name,
      ).toContain('/bin/sh /scripts/wait-for-streams.sh')
    }
    // The scripts parse as shell.
    for (const [file, text] of Object.entries(scripts)) {
      const r = run('sh', ['-n', '-c', text])
      expect(r.status, `${file}: ${r.output}`).toBe(0)
    }
  })

  it('scales executors with KEDA on the lag of consumer executor on stream COMMANDS', () => {
    const so = find(objs, 'ScaledObject', 'executor')!
    expect((spec(so).scaleTargetRef as { name: string }).name).toBe('executor')
    expect(find(objs, 'Deployment', 'executor')).toBeDefined()
    const [trigger] = spec(so).triggers as Array<{ type: string; metadata: Record<string, string> }>
    expect(trigger!.type).toBe('nats-jetstream')
    expect(trigger!.metadata).toMatchObject({ stream: 'COMMANDS', consumer: 'executor', account: '$G' })
    expect(Number(trigger!.metadata.lagThreshold)).toBeGreaterThan(0)
    const [host, port] = trigger!.metadata.natsServerMonitoringEndpoint!.split(':')
    const [svcName, ns] = host!.split('.')
    const svc = find(objs, 'Service', svcName!)
    expect(svc, `monitoring endpoint ${host}`).toBeDefined()
    expect(ns).toBe(svc!.metadata.namespace)
    expect((spec(svc).ports as Array<{ port: number }>).map((p) => p.port)).toContain(Number(port))
    expect(spec(so).maxReplicaCount as number).toBeGreaterThan(spec(so).minReplicaCount as number)
  })

  it('has a PodDisruptionBudget over each consumer and over NATS', () => {
    const pdbs = objs.filter((o) => o.kind === 'PodDisruptionBudget')
    for (const name of [...CONSUMERS, 'nats']) {
      const workload = find(objs, 'Deployment', name) ?? find(objs, 'StatefulSet', name)!
      const covering = pdbs.filter((p) =>
        selects(
          (spec(p).selector as { matchLabels: Record<string, string> }).matchLabels,
          podLabels(workload),
        ),
      )
      expect(covering.length, name).toBe(1)
      expect(spec(covering[0]).maxUnavailable ?? spec(covering[0]).minAvailable, name).toBeDefined()
    }
  })

  it('runs every container without privilege escalation and with all capabilities dropped', () => {
    for (const o of objs.filter((o) => podSpec(o)))
      for (const c of allContainers(podSpec(o)!))
        expect(c.securityContext?.allowPrivilegeEscalation, `${o.metadata.name}/${c.name}`).toBe(false)
  })
})

describe('overlays differ where they should', () => {
  it('dev brings its own Postgres and Secret; production expects the Secret from the operator', () => {
    expect(find(rendered.dev, 'StatefulSet', 'postgres')).toBeDefined()
    expect(find(rendered.dev, 'Secret', 'zixly-postgres')).toBeDefined()
    expect(find(rendered.production, 'Secret', 'zixly-postgres')).toBeUndefined()
    expect(find(rendered.production, 'StatefulSet', 'postgres')).toBeUndefined()
  })

  it('production pins every app image to a registry and tag', () => {
    for (const name of APP) {
      const img = podSpec(find(rendered.production, 'Deployment', name)!)!.containers[0]!.image!
      expect(img).toMatch(new RegExp(`^[a-z0-9.-]+/zixly/${name}:\\d+\\.\\d+\\.\\d+$`))
    }
  })
})

describe('a broken manifest is caught', () => {
  it('reports a Deployment without limits or probes, and a selector that matches nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'zixly-k8s-'))
    mkdirSync(join(dir, 'b'))
    cpSync(join(K8S, 'base'), join(dir, 'b'), { recursive: true })
    const path = join(dir, 'b', 'services', 'web.yaml')
    const docs = parseAllDocuments(readFileSync(path, 'utf8')).map((d) => d.toJS() as K8sObject)
    const dep = docs[0]!
    const c = podSpec(dep)!.containers[0]!
    delete c.resources!.limits
    c.livenessProbe!.httpGet!.port = 'nope'
    ;((dep.spec as Record<string, unknown>).selector as { matchLabels: Record<string, string> }).matchLabels =
      { app: 'other' }
    writeFileSync(path, docs.map((d) => JSON.stringify(d)).join('\n---\n'))
    const problems = kustomize(join(dir, 'b')).flatMap(structuralProblems)
    expect(problems).toEqual(
      expect.arrayContaining([
        "Deployment/web: selector does not match the pod template's labels",
        'Deployment/web/web: no cpu and memory limits',
        'Deployment/web/web: probe port nope is not a container port',
      ]),
    )
  })
})
