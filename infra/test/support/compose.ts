import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Ajv2019 } from 'ajv/dist/2019.js'
import { parse } from 'yaml'
import { INFRA, ROOT } from './tools.ts'

export type Service = Record<string, unknown> & {
  image?: string
  build?: { context?: string; args?: Record<string, string>; network?: string }
  environment?: Record<string, string>
  healthcheck?: { test: string[] | string; disable?: boolean }
  depends_on?: Record<string, { condition: string }> | string[]
  network_mode?: string
  networks?: unknown
  ports?: string[]
  volumes?: string[]
  command?: string[] | string
  profiles?: string[]
}
export interface ComposeFile {
  services: Record<string, Service>
  volumes?: Record<string, unknown>
  networks?: Record<string, unknown>
}

/**
 * Compose variable substitution as docker-compose 1.29 does it: $$ is a literal $, ${VAR}, $VAR,
 * ${VAR:-default}, ${VAR-default}, ${VAR:?err}, ${VAR?err}.
 */
export function interpolate(text: string, env: Record<string, string | undefined> = {}): string {
  return text
    .replace(
      /\$(\$|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g,
      (m, dollar, braced, op, arg, bare) => {
        if (dollar === '$') return '$$'
        const name = (braced ?? bare) as string
        const value = env[name]
        if (op === ':-') return value ? value : arg
        if (op === '-') return value ?? arg
        if (op === ':?' || op === '?') {
          if (op === ':?' ? !value : value === undefined) throw new Error(`${name} is required: ${arg}`)
          return value!
        }
        return value ?? ''
      },
    )
    .replace(/\$\$/g, '$')
}

function interpolateDeep(v: unknown, env: Record<string, string | undefined>): unknown {
  if (typeof v === 'string') return interpolate(v, env)
  if (Array.isArray(v)) return v.map((x) => interpolateDeep(x, env))
  if (v && typeof v === 'object')
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, interpolateDeep(x, env)]))
  return v
}

/** A compose file as docker-compose sees it: YAML with merge keys, then variables substituted. */
export function loadCompose(file: string, env: Record<string, string | undefined> = {}): ComposeFile {
  const raw = parse(readFileSync(join(ROOT, file), 'utf8'), { merge: true }) as unknown
  return interpolateDeep(raw, env) as ComposeFile
}

/** The JSON schema docker-compose 1.29 validates every file with (its compose_spec.json). */
export function composeValidator() {
  // Shipped as docker-compose 1.29.2 has it (Apache-2.0). Its $schema URI ends in '#', which Ajv's
  // draft 2019-09 class does not know by that spelling, and it marks subschemas with pre-draft-06 `id`
  // fragments, which Python's jsonschema ignores: both are dropped, nothing that validates.
  const dropIds = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(dropIds)
      : isMap(v)
        ? Object.fromEntries(
            Object.entries(v)
              .filter(([k, x]) => !(k === 'id' && typeof x === 'string') && k !== '$schema')
              .map(([k, x]) => [k, dropIds(x)]),
          )
        : v
  const schema = dropIds(
    JSON.parse(readFileSync(join(INFRA, 'test', 'schemas', 'compose-spec-1.29.json'), 'utf8')),
  ) as object
  const ajv = new Ajv2019({ strict: false, allErrors: true })
  ajv.addFormat('duration', /^(\d+(\.\d+)?(us|ms|s|m|h))+$/)
  ajv.addFormat(
    'ports',
    /^((\[?[0-9a-fA-F.:]+\]?|[a-zA-Z0-9.-]+):)?((\d+(-\d+)?):)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/,
  )
  ajv.addFormat('expose', /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/)
  ajv.addFormat('subnet_ip_address', /^[0-9a-fA-F.:]+\/\d{1,3}$/)
  const validate = ajv.compile(schema)
  return (doc: unknown): string[] =>
    validate(doc)
      ? []
      : (validate.errors ?? []).map(
          (e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`,
        )
}

const isMap = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v)

/** Override merge as docker-compose 1.29 does it for the keys these files use. */
export function mergeCompose(base: ComposeFile, override: ComposeFile): ComposeFile {
  const services: Record<string, Service> = { ...base.services }
  for (const [name, o] of Object.entries(override.services ?? {})) {
    const b = services[name] ?? {}
    const m: Service = { ...b }
    for (const [k, v] of Object.entries(o)) {
      const prev = b[k]
      if (k === 'volumes' && Array.isArray(prev) && Array.isArray(v)) {
        const target = (s: string) => s.split(':')[1] ?? s
        const kept = (prev as string[]).filter((p) => !(v as string[]).some((x) => target(x) === target(p)))
        m[k] = [...kept, ...(v as string[])]
      } else if (k === 'ports' && Array.isArray(prev) && Array.isArray(v)) {
        m[k] = [...new Set([...(prev as string[]), ...(v as string[])])]
      } else if (isMap(prev) && isMap(v) && k !== 'healthcheck') {
        m[k] = deepMerge(prev, v)
      } else if (k === 'healthcheck' && isMap(prev) && isMap(v)) {
        m[k] = { ...prev, ...v } as NonNullable<Service['healthcheck']>
      } else m[k] = v
    }
    services[name] = m
  }
  return { ...base, ...override, services, volumes: { ...base.volumes, ...override.volumes } }
}

function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a }
  for (const [k, v] of Object.entries(b)) out[k] = isMap(out[k]) && isMap(v) ? deepMerge(out[k], v) : v
  return out
}

export function dependsOn(s: Service): Record<string, { condition: string }> {
  if (!s.depends_on) return {}
  if (Array.isArray(s.depends_on))
    return Object.fromEntries(s.depends_on.map((d) => [d, { condition: 'service_started' }]))
  return s.depends_on
}

/** IPv4 addresses in private ranges (RFC 1918), link-local and carrier-grade NAT, found in a text. */
export function privateAddresses(text: string): string[] {
  const found: string[] = []
  for (const m of text.matchAll(/(?<![\d.])(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?![\d.])/g)) {
    const [a, b] = [Number(m[1]), Number(m[2])]
    if (
      a === 10 ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 169 && b === 254) ||
      (a === 100 && b >= 64 && b <= 127)
    )
      found.push(m[0])
  }
  return found
}
