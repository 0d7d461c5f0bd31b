// The trigger form's fields ↔ the webhook body. Pure: the browser validates with it before sending,
// the server action validates again, and both use contracts' SweepRequestBody, the schema ingest uses.
import { SweepRequestBody } from '@zixly/contracts'

export type FormValues = Record<string, string>
export type FieldErrors = Record<string, string[]>

const INTS = ['step', 'min_trades', 'signal_period', 'priority', 'max_attempts', 'timeout_seconds'] as const
const NUMS = ['fee', 'init_cash', 'ann_factor'] as const
const STRINGS = ['interval', 'start', 'end', 'callback_url'] as const

/** A number when the text is one; otherwise the text itself, so the schema names the field. */
function numeric(v: string): number | string {
  const t = v.trim()
  return /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(t) ? Number(t) : t
}

/** The form's flat fields (`fast_from`, `fast_to`, …) as the JSON body ingest accepts. Blank optional fields are left out. */
export function bodyFromForm(v: FormValues): Record<string, unknown> {
  const body: Record<string, unknown> = {
    ticker: (v.ticker ?? '').trim(),
    strategy_type: v.strategy_type || 'SMA',
    fast_range: [numeric(v.fast_from ?? ''), numeric(v.fast_to ?? '')],
    slow_range: [numeric(v.slow_from ?? ''), numeric(v.slow_to ?? '')],
  }
  for (const k of INTS) if (v[k]?.trim()) body[k] = numeric(v[k])
  for (const k of NUMS) if (v[k]?.trim()) body[k] = numeric(v[k])
  for (const k of STRINGS) if (v[k]?.trim()) body[k] = v[k].trim()
  if (body.strategy_type !== 'MACD') delete body.signal_period
  return body
}

/** The form field an error path belongs to: `fast_range[1]` and `fast_range.1` → `fast_range`. */
export function fieldOf(path: string): string {
  const head = path.split(/[.[]/)[0] ?? path
  return head === '' || head === '(body)' ? 'form' : head
}

/** Adds field errors (from zod or from ingest's problem+json) to a map by form field. */
export function groupErrors(errors: Array<{ field: string; message: string }>): FieldErrors {
  const out: FieldErrors = {}
  for (const e of errors) (out[fieldOf(e.field)] ??= []).push(e.message)
  return out
}

/** Validates the form with the webhook's own schema; `errors` is empty when ingest would accept it. */
export function validateForm(v: FormValues): { body: Record<string, unknown>; errors: FieldErrors } {
  const body = bodyFromForm(v)
  const r = SweepRequestBody.safeParse(body)
  if (r.success) return { body, errors: {} }
  return {
    body,
    errors: groupErrors(
      r.error.issues.flatMap((i) =>
        i.code === 'unrecognized_keys'
          ? i.keys.map((k) => ({ field: k, message: 'is not a known field' }))
          : [{ field: i.path.map(String).join('.') || '(body)', message: i.message }],
      ),
    ),
  }
}

/** The seed's request, as the form starts. */
export const DEFAULT_VALUES: FormValues = {
  ticker: 'BTC-USD',
  strategy_type: 'SMA',
  fast_from: '10',
  fast_to: '20',
  slow_from: '20',
  slow_to: '30',
  step: '5',
  min_trades: '50',
  signal_period: '9',
  interval: '1d',
  start: '',
  end: '',
  fee: '0.001',
  init_cash: '1000',
  priority: '5',
  max_attempts: '3',
  timeout_seconds: '',
}
