import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from '@cdktf/hcl2json'

type Obj = Record<string, unknown>
/** One Terraform folder (a module or an environment): its .tf files merged, as hcl2json gives them. */
export interface TfModule {
  dir: string
  variable: Record<string, Array<{ default?: unknown; type?: string; validation?: unknown[] }>>
  resource: Record<string, Record<string, Obj[]>>
  module: Record<string, Array<Obj & { source: string }>>
  provider: Record<string, Obj[]>
  terraform: Obj[]
  output: Record<string, Obj[]>
  data: Record<string, Record<string, Obj[]>>
  /** The raw text of every file, for reference checks. */
  text: string
}

export async function loadTf(dir: string): Promise<TfModule> {
  const files = readdirSync(dir).filter((f) => f.endsWith('.tf') && statSync(join(dir, f)).isFile())
  if (files.length === 0) throw new Error(`${dir}: no .tf files`)
  const mod: TfModule = {
    dir,
    variable: {},
    resource: {},
    module: {},
    provider: {},
    terraform: [],
    output: {},
    data: {},
    text: '',
  }
  for (const f of files.sort()) {
    const text = readFileSync(join(dir, f), 'utf8')
    mod.text += text
    const json = (await parse(f, text)) as Obj
    for (const [block, body] of Object.entries(json)) {
      if (block === 'terraform') mod.terraform.push(...(body as Obj[]))
      else if (block === 'resource' || block === 'data') {
        for (const [type, byName] of Object.entries(body as Obj)) {
          const target = (mod[block][type] ??= {})
          for (const [name, v] of Object.entries(byName as Obj))
            target[name] = [...(target[name] ?? []), ...(v as Obj[])]
        }
      } else if (['variable', 'module', 'provider', 'output'].includes(block)) {
        const target = mod[block as 'variable'] as Record<string, unknown[]>
        for (const [name, v] of Object.entries(body as Obj))
          target[name] = [...(target[name] ?? []), ...(v as unknown[])]
      } else throw new Error(`${dir}/${f}: unexpected top-level block ${block}`)
    }
  }
  return mod
}

/** A literal, or `${var.x}` resolved to the variable's default (with the module call's argument first). */
export function resolve(mod: TfModule, value: unknown, args: Obj = {}): unknown {
  if (typeof value !== 'string') return value
  const m = /^\$\{var\.([a-z_][a-z0-9_]*)\}$/.exec(value)
  if (!m) return value
  const name = m[1]!
  if (name in args) return args[name]
  const v = mod.variable[name]?.[0]
  if (!v) throw new Error(`${mod.dir}: var.${name} is not declared`)
  if (!('default' in v)) throw new Error(`${mod.dir}: var.${name} has no default and was not given`)
  return v.default
}

/** Every `var.x` an expression text refers to. */
export const varRefs = (text: string): string[] => [
  ...new Set([...text.matchAll(/\bvar\.([a-z_][a-z0-9_]*)/g)].map((m) => m[1]!)),
]
