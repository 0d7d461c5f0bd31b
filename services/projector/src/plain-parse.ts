import type { LogEvent } from '@zixly/contracts'

// zod's checks, done as plain code for the schemas of the log's frequent events. zod validates
// every event of a rebuild and was among its largest costs in CPU and in garbage (~3 KB per event
// even when the event is checked once). The checks are read from the schemas themselves (zod's
// definitions: lengths, bounds, formats), so a change to the contracts changes them too; a schema
// using anything not understood here is not compiled, and its events keep going through zod. Pure.

/** A compiled check: the value as zod would give it back, or NO when zod might reject it (zod then decides). */
type Check = (v: unknown) => unknown
const NO: unique symbol = Symbol('no')

interface Def {
  readonly type: string
  readonly checks?: ReadonlyArray<{ _zod: { def: Record<string, unknown> } }>
  readonly format?: string
  readonly values?: readonly unknown[]
  readonly innerType?: Schema
  readonly shape?: Readonly<Record<string, Schema>>
}
interface Schema {
  readonly _zod: { readonly def: Def; readonly pattern?: RegExp }
}

class Unsupported extends Error {}

function stringCheck(s: Schema): Check {
  const def = s._zod.def
  const tests: Array<(v: string) => boolean> = []
  if (def.format !== undefined) {
    // Formats zod validates with its pattern alone.
    const pattern = s._zod.pattern
    if ((def.format !== 'uuid' && def.format !== 'datetime') || !(pattern instanceof RegExp)) throw new Unsupported(def.format)
    tests.push((v) => pattern.test(v))
  }
  for (const c of def.checks ?? []) {
    const d = c._zod.def
    if (d.check === 'min_length' && typeof d.minimum === 'number') tests.push((v) => v.length >= (d.minimum as number))
    else if (d.check === 'max_length' && typeof d.maximum === 'number') tests.push((v) => v.length <= (d.maximum as number))
    else if (d.check === 'string_format' && d.format === 'regex' && d.pattern instanceof RegExp && !d.pattern.global && !d.pattern.sticky) {
      const pattern = d.pattern
      tests.push((v) => pattern.test(v))
    } else throw new Unsupported(String(d.check))
  }
  return (v) => (typeof v === 'string' && tests.every((t) => t(v)) ? v : NO)
}

function numberCheck(s: Schema): Check {
  const tests: Array<(v: number) => boolean> = []
  for (const c of s._zod.def.checks ?? []) {
    const d = c._zod.def
    if (d.check === 'number_format' && d.format === 'safeint') tests.push((v) => Number.isSafeInteger(v))
    else if (d.check === 'greater_than' && typeof d.value === 'number') {
      const min = d.value
      tests.push(d.inclusive ? (v) => v >= min : (v) => v > min)
    } else throw new Unsupported(String(d.check))
  }
  return (v) => (typeof v === 'number' && Number.isFinite(v) && tests.every((t) => t(v)) ? v : NO)
}

/** An object's check: each key of its shape in order (an optional one only when present), unknown keys dropped, as zod does. */
function objectCheck(s: Schema, own: Readonly<Record<string, Check>> = {}): Check {
  const shape = s._zod.def.shape ?? {}
  const keys = Object.keys(shape)
  const fields = keys.map((k) => {
    const inner = shape[k]!
    const optional = inner._zod.def.type === 'optional'
    return { k, optional, check: own[k] ?? compile(optional ? inner._zod.def.innerType! : inner) }
  })
  return (v) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return NO
    const o = v as Record<string, unknown>
    const out: Record<string, unknown> = {}
    for (const f of fields) {
      const x = o[f.k]
      if (x === undefined) {
        if (f.optional && !(f.k in o)) continue
        return NO
      }
      const y = f.check(x)
      if (y === NO) return NO
      out[f.k] = y
    }
    return out
  }
}

function compile(s: Schema): Check {
  const def = s._zod.def
  switch (def.type) {
    case 'string':
      return stringCheck(s)
    case 'number':
      return numberCheck(s)
    case 'boolean':
      if ((def.checks ?? []).length > 0) throw new Unsupported('boolean checks')
      return (v) => (typeof v === 'boolean' ? v : NO)
    case 'literal': {
      const values = def.values ?? []
      return (v) => (values.includes(v) ? v : NO)
    }
    case 'object':
      return objectCheck(s)
    default:
      throw new Unsupported(def.type)
  }
}

/**
 * Compiles an event schema (an envelope of `envelopeOf`) into a plain check, or returns undefined
 * when it uses anything not understood here. `own` replaces the check of fields of its data (a
 * result chunk's rows, checked by the caller's own code).
 */
export function compileEvent(schema: unknown, own: Readonly<Record<string, Check>> = {}): ((v: unknown) => LogEvent | undefined) | undefined {
  try {
    const s = schema as Schema
    const shape = s._zod.def.shape
    if (s._zod.def.type !== 'object' || !shape?.data || !shape.metadata) return undefined
    const check = objectCheck(s, { data: objectCheck(shape.data, own) })
    return (v) => {
      const out = check(v)
      return out === NO ? undefined : (out as LogEvent)
    }
  } catch (err) {
    if (err instanceof Unsupported) return undefined
    throw err
  }
}

/** What a field's own check returns for a value zod might reject. */
export { NO as REJECTED }
