import { existsSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { parse, parseAllDocuments } from 'yaml'

/** One Kubernetes object. */
export type K8sObject = {
  apiVersion: string
  kind: string
  metadata: {
    name: string
    namespace?: string
    labels?: Record<string, string>
    annotations?: Record<string, string>
  }
  [key: string]: unknown
}

type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v)

interface Kustomization {
  apiVersion?: string
  kind?: string
  namespace?: string
  resources?: string[]
  labels?: Array<{ pairs: Record<string, string>; includeSelectors?: boolean; includeTemplates?: boolean }>
  images?: Array<{ name: string; newName?: string; newTag?: string }>
  replicas?: Array<{ name: string; count: number }>
  patches?: Array<{ path?: string; patch?: string; target?: { kind?: string; name?: string } }>
  configMapGenerator?: Array<{ name: string; literals?: string[] }>
  secretGenerator?: Array<{ name: string; literals?: string[]; type?: string }>
  generatorOptions?: { disableNameSuffixHash?: boolean }
}

/**
 * The fields this renderer understands. A kustomization using anything else fails to render rather
 * than being half-understood: extend the renderer (and check it against `kubectl kustomize`) first.
 */
const SUPPORTED = new Set([
  'apiVersion',
  'kind',
  'namespace',
  'resources',
  'labels',
  'images',
  'replicas',
  'patches',
  'configMapGenerator',
  'secretGenerator',
  'generatorOptions',
])

/** Kinds that live outside namespaces. */
const CLUSTER_SCOPED = new Set([
  'Namespace',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'StorageClass',
])

function loadYamlDocs(file: string): K8sObject[] {
  return parseAllDocuments(readFileSync(file, 'utf8'))
    .map((d) => {
      if (d.errors.length > 0) throw new Error(`${file}: ${d.errors[0]!.message}`)
      return d.toJS() as K8sObject | null
    })
    .filter((d): d is K8sObject => d !== null)
}

function clone<T>(v: T): T {
  return structuredClone(v)
}

/** Strategic merge as kustomize applies it for the shapes used here: lists of named items merge by name. */
export function strategicMerge(target: unknown, patch: unknown): unknown {
  if (isObj(target) && isObj(patch)) {
    const out: Obj = { ...target }
    for (const [k, v] of Object.entries(patch)) {
      if (k.startsWith('$')) throw new Error(`strategic-merge directive ${k} is not supported`)
      out[k] = v === null ? undefined : k in target ? strategicMerge(target[k], v) : v
      if (out[k] === undefined) delete out[k]
    }
    return out
  }
  if (
    Array.isArray(target) &&
    Array.isArray(patch) &&
    [...target, ...patch].every((x) => isObj(x) && typeof x.name === 'string')
  ) {
    const out = target.map((x) => clone(x) as Obj)
    for (const p of patch as Obj[]) {
      const i = out.findIndex((x) => x.name === p.name)
      if (i >= 0) out[i] = strategicMerge(out[i], p) as Obj
      else out.push(p)
    }
    return out
  }
  return patch
}

function pointer(path: string): string[] {
  return path
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
}

/** RFC 6902 add / replace / remove; a path that does not exist is an error, as in kustomize. */
export function jsonPatch(doc: unknown, ops: Array<{ op: string; path: string; value?: unknown }>): unknown {
  const out = clone(doc)
  for (const { op, path, value } of ops) {
    const keys = pointer(path)
    const last = keys.pop()!
    let node: unknown = out
    for (const k of keys) {
      node = Array.isArray(node) ? node[Number(k)] : isObj(node) ? node[k] : undefined
      if (node === undefined) throw new Error(`json patch: ${path} does not exist`)
    }
    if (Array.isArray(node)) {
      const i = last === '-' ? node.length : Number(last)
      if (op === 'add') node.splice(i, 0, value)
      else if (op === 'replace' && i < node.length) node[i] = value
      else if (op === 'remove' && i < node.length) node.splice(i, 1)
      else throw new Error(`json patch: cannot ${op} ${path}`)
    } else if (isObj(node)) {
      if (op !== 'add' && !(last in node)) throw new Error(`json patch: ${path} does not exist`)
      if (op === 'remove') delete node[last]
      else if (op === 'add' || op === 'replace') node[last] = value
      else throw new Error(`json patch: op ${op} is not supported`)
    } else throw new Error(`json patch: ${path} does not exist`)
  }
  return out
}

function matches(o: K8sObject, target: { kind?: string; name?: string }): boolean {
  return (!target.kind || o.kind === target.kind) && (!target.name || o.metadata.name === target.name)
}

function podTemplate(o: K8sObject): Obj | undefined {
  const spec = o.spec as Obj | undefined
  const t = spec?.template as Obj | undefined
  if (o.kind === 'CronJob')
    return ((spec?.jobTemplate as Obj | undefined)?.spec as Obj | undefined)?.template as Obj | undefined
  return t
}

function generated(
  kind: 'ConfigMap' | 'Secret',
  g: { name: string; literals?: string[]; type?: string },
): K8sObject {
  const data: Record<string, string> = {}
  for (const l of g.literals ?? []) {
    const i = l.indexOf('=')
    if (i < 1) throw new Error(`generator ${g.name}: literal "${l}" is not KEY=value`)
    data[l.slice(0, i)] = kind === 'Secret' ? Buffer.from(l.slice(i + 1)).toString('base64') : l.slice(i + 1)
  }
  return {
    apiVersion: 'v1',
    kind,
    metadata: { name: g.name },
    ...(kind === 'Secret' ? { type: g.type ?? 'Opaque' } : {}),
    data,
  }
}

/** Renders a kustomization folder like `kubectl kustomize <dir>` for the features listed in SUPPORTED. */
export function kustomize(dir: string, root = dir): K8sObject[] {
  const file = ['kustomization.yaml', 'kustomization.yml', 'Kustomization']
    .map((f) => join(dir, f))
    .find(existsSync)
  if (!file) throw new Error(`${relative(root, dir) || dir}: no kustomization.yaml`)
  const k = parse(readFileSync(file, 'utf8')) as Kustomization
  const unknown = Object.keys(k).filter((key) => !SUPPORTED.has(key))
  if (unknown.length > 0)
    throw new Error(`${relative(root, file)}: unsupported field(s) ${unknown.join(', ')}`)
  if (k.kind !== undefined && k.kind !== 'Kustomization') throw new Error(`${file}: kind ${k.kind}`)

  let objs: K8sObject[] = []
  for (const r of k.resources ?? []) {
    const p = join(dir, r)
    if (!existsSync(p)) throw new Error(`${relative(root, file)}: resource ${r} does not exist`)
    objs.push(...(statSync(p).isDirectory() ? kustomize(p, root) : loadYamlDocs(p)))
  }
  if (k.generatorOptions && Object.keys(k.generatorOptions).some((o) => o !== 'disableNameSuffixHash'))
    throw new Error(`${file}: only generatorOptions.disableNameSuffixHash is supported`)
  if (
    (k.configMapGenerator?.length || k.secretGenerator?.length) &&
    k.generatorOptions?.disableNameSuffixHash !== true
  )
    throw new Error(
      `${file}: generators need generatorOptions.disableNameSuffixHash: true (name hashing is not modelled)`,
    )
  for (const g of k.configMapGenerator ?? []) objs.push(generated('ConfigMap', g))
  for (const g of k.secretGenerator ?? []) objs.push(generated('Secret', g))

  for (const p of k.patches ?? []) {
    const text = p.path ? readFileSync(join(dir, p.path), 'utf8') : p.patch
    if (!text) throw new Error(`${file}: a patch needs path or patch`)
    const body = parse(text) as unknown
    if (Array.isArray(body)) {
      if (!p.target) throw new Error(`${file}: a JSON 6902 patch needs a target`)
      const hit = objs.filter((o) => matches(o, p.target!))
      if (hit.length === 0)
        throw new Error(`${file}: patch target ${JSON.stringify(p.target)} matches nothing`)
      objs = objs.map((o) => (matches(o, p.target!) ? (jsonPatch(o, body as never) as K8sObject) : o))
    } else {
      const sm = body as K8sObject
      const target = p.target ?? { kind: sm.kind, name: sm.metadata?.name }
      const hit = objs.filter((o) => matches(o, target))
      if (hit.length === 0)
        throw new Error(`${file}: patch for ${target.kind}/${target.name} matches nothing`)
      objs = objs.map((o) =>
        matches(o, target)
          ? (strategicMerge(o, { ...sm, metadata: { ...sm.metadata, name: o.metadata.name } }) as K8sObject)
          : o,
      )
    }
  }

  for (const r of k.replicas ?? []) {
    const hit = objs.filter(
      (o) => ['Deployment', 'StatefulSet', 'ReplicaSet'].includes(o.kind) && o.metadata.name === r.name,
    )
    if (hit.length === 0) throw new Error(`${file}: replicas for ${r.name} matches nothing`)
    for (const o of hit) (o.spec as Obj).replicas = r.count
  }

  for (const img of k.images ?? []) {
    let used = false
    for (const o of objs) {
      const spec = podTemplate(o)?.spec as Obj | undefined
      for (const c of [...((spec?.containers as Obj[]) ?? []), ...((spec?.initContainers as Obj[]) ?? [])]) {
        const image = c.image as string
        const m = /^(.*?)(?::([^:/@]+))?(@.*)?$/.exec(image)!
        if (m[1] !== img.name) continue
        used = true
        c.image = `${img.newName ?? m[1]}${img.newTag !== undefined ? `:${img.newTag}` : m[2] ? `:${m[2]}` : ''}`
      }
    }
    if (!used) throw new Error(`${file}: image ${img.name} is used by no container`)
  }

  for (const l of k.labels ?? []) {
    for (const o of objs) {
      o.metadata.labels = { ...o.metadata.labels, ...l.pairs }
      const t = podTemplate(o)
      if (l.includeTemplates && t) {
        const meta = (t.metadata ?? {}) as Obj
        meta.labels = { ...(meta.labels as Obj), ...l.pairs }
        t.metadata = meta
        // kustomize labels a StatefulSet's volume claim templates along with its pod template.
        for (const claim of ((o.spec as Obj).volumeClaimTemplates as Obj[] | undefined) ?? []) {
          const cm = (claim.metadata ?? {}) as Obj
          cm.labels = { ...(cm.labels as Obj), ...l.pairs }
          claim.metadata = cm
        }
      }
      if (l.includeSelectors) throw new Error(`${file}: labels.includeSelectors is not supported`)
    }
  }

  if (k.namespace) {
    for (const o of objs) {
      if (CLUSTER_SCOPED.has(o.kind)) continue
      o.metadata.namespace = k.namespace
    }
  }

  const seen = new Set<string>()
  for (const o of objs) {
    const id = `${o.kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name}`
    if (seen.has(id)) throw new Error(`${relative(root, dir) || dir}: ${id} is defined twice`)
    seen.add(id)
  }
  return objs
}

export const overlayDirs = (k8sRoot: string): string[] =>
  ['dev', 'production']
    .map((o) => join(k8sRoot, 'overlays', o))
    .filter((d) => existsSync(d) && dirname(d) !== d)
