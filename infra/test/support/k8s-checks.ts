import type { K8sObject } from './kustomize.ts'

type Obj = Record<string, unknown>
export type Container = {
  name: string
  image?: string
  command?: string[]
  args?: string[]
  ports?: Array<{ name?: string; containerPort: number }>
  env?: Array<{
    name: string
    value?: string
    valueFrom?: {
      secretKeyRef?: { name: string; key: string; optional?: boolean }
      configMapKeyRef?: { name: string; key: string }
    }
  }>
  envFrom?: Array<{
    configMapRef?: { name: string; optional?: boolean }
    secretRef?: { name: string; optional?: boolean }
  }>
  livenessProbe?: Probe
  readinessProbe?: Probe
  startupProbe?: Probe
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> }
  securityContext?: {
    allowPrivilegeEscalation?: boolean
    runAsNonRoot?: boolean
    capabilities?: { drop?: string[] }
  }
  volumeMounts?: Array<{ name: string; mountPath: string }>
}
export type Probe = { httpGet?: { path: string; port: string | number }; exec?: { command: string[] } }
export type PodSpec = {
  containers: Container[]
  initContainers?: Container[]
  volumes?: Array<{
    name: string
    configMap?: { name: string }
    secret?: { secretName: string }
    emptyDir?: object
  }>
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number; seccompProfile?: { type: string } }
}

/** apiVersion of every kind the manifests may use. */
export const API_VERSIONS: Record<string, string> = {
  Namespace: 'v1',
  ConfigMap: 'v1',
  Secret: 'v1',
  Service: 'v1',
  Deployment: 'apps/v1',
  StatefulSet: 'apps/v1',
  Job: 'batch/v1',
  PodDisruptionBudget: 'policy/v1',
  ScaledObject: 'keda.sh/v1alpha1',
}

export const podSpec = (o: K8sObject): PodSpec | undefined =>
  ((o.spec as Obj | undefined)?.template as Obj | undefined)?.spec as PodSpec | undefined
export const podLabels = (o: K8sObject): Record<string, string> =>
  ((((o.spec as Obj | undefined)?.template as Obj | undefined)?.metadata as Obj | undefined)
    ?.labels as Record<string, string>) ?? {}
export const allContainers = (p: PodSpec): Container[] => [...(p.initContainers ?? []), ...p.containers]

export const selects = (selector: Record<string, string> | undefined, labels: Record<string, string>) =>
  !!selector &&
  Object.keys(selector).length > 0 &&
  Object.entries(selector).every(([k, v]) => labels[k] === v)

/** Problems with one object's required fields, by kind. */
export function structuralProblems(o: K8sObject): string[] {
  const id = `${o.kind}/${o.metadata?.name}`
  const p: string[] = []
  if (!o.metadata?.name) p.push(`${o.kind} without metadata.name`)
  if (!(o.kind in API_VERSIONS)) return [`${id}: kind ${o.kind} is not one the checks know`]
  if (o.apiVersion !== API_VERSIONS[o.kind])
    p.push(`${id}: apiVersion ${o.apiVersion}, expected ${API_VERSIONS[o.kind]}`)
  if (o.kind !== 'Namespace' && !o.metadata.namespace) p.push(`${id}: no namespace`)
  const spec = o.spec as Obj | undefined
  if (['Deployment', 'StatefulSet'].includes(o.kind)) {
    const sel = (spec?.selector as Obj | undefined)?.matchLabels as Record<string, string> | undefined
    if (!selects(sel, podLabels(o))) p.push(`${id}: selector does not match the pod template's labels`)
  }
  const pod = podSpec(o)
  if (['Deployment', 'StatefulSet', 'Job'].includes(o.kind)) {
    if (!pod?.containers?.length) return [...p, `${id}: no containers`]
    if (pod.securityContext?.runAsNonRoot !== true) p.push(`${id}: pod does not set runAsNonRoot`)
    if (pod.securityContext?.seccompProfile?.type !== 'RuntimeDefault')
      p.push(`${id}: no RuntimeDefault seccomp profile`)
    const volumes = new Set((pod.volumes ?? []).map((v) => v.name))
    const claims = ((spec?.volumeClaimTemplates as Array<{ metadata: { name: string } }>) ?? []).map(
      (c) => c.metadata.name,
    )
    for (const c of allContainers(pod)) {
      if (!c.image) p.push(`${id}/${c.name}: no image`)
      const lim = c.resources?.limits ?? {}
      const req = c.resources?.requests ?? {}
      if (!lim.cpu || !lim.memory) p.push(`${id}/${c.name}: no cpu and memory limits`)
      if (!req.cpu || !req.memory) p.push(`${id}/${c.name}: no cpu and memory requests`)
      const sc = c.securityContext ?? {}
      if (sc.allowPrivilegeEscalation !== false)
        p.push(`${id}/${c.name}: allowPrivilegeEscalation is not false`)
      if (!sc.capabilities?.drop?.includes('ALL')) p.push(`${id}/${c.name}: capabilities not dropped`)
      for (const m of c.volumeMounts ?? [])
        if (!volumes.has(m.name) && !claims.includes(m.name))
          p.push(`${id}/${c.name}: mounts unknown volume ${m.name}`)
      const portNames = new Set((c.ports ?? []).flatMap((x) => [x.name, x.containerPort]))
      for (const probe of [c.livenessProbe, c.readinessProbe, c.startupProbe])
        if (probe?.httpGet && !portNames.has(probe.httpGet.port))
          p.push(`${id}/${c.name}: probe port ${probe.httpGet.port} is not a container port`)
    }
  }
  return p
}

/** ConfigMaps and Secrets that pods read, with whether the read is optional. */
export function configRefs(
  objs: K8sObject[],
): Array<{ from: string; kind: 'ConfigMap' | 'Secret'; name: string; optional: boolean }> {
  const refs: Array<{ from: string; kind: 'ConfigMap' | 'Secret'; name: string; optional: boolean }> = []
  for (const o of objs) {
    const pod = podSpec(o)
    if (!pod) continue
    const from = `${o.kind}/${o.metadata.name}`
    for (const c of allContainers(pod)) {
      for (const e of c.envFrom ?? []) {
        if (e.configMapRef)
          refs.push({
            from,
            kind: 'ConfigMap',
            name: e.configMapRef.name,
            optional: !!e.configMapRef.optional,
          })
        if (e.secretRef)
          refs.push({ from, kind: 'Secret', name: e.secretRef.name, optional: !!e.secretRef.optional })
      }
      for (const e of c.env ?? []) {
        const s = e.valueFrom?.secretKeyRef
        if (s) refs.push({ from, kind: 'Secret', name: s.name, optional: !!s.optional })
        const m = e.valueFrom?.configMapKeyRef
        if (m) refs.push({ from, kind: 'ConfigMap', name: m.name, optional: false })
      }
    }
    for (const v of pod.volumes ?? []) {
      if (v.configMap) refs.push({ from, kind: 'ConfigMap', name: v.configMap.name, optional: false })
      if (v.secret) refs.push({ from, kind: 'Secret', name: v.secret.secretName, optional: false })
    }
  }
  return refs
}
