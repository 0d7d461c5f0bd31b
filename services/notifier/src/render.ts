import type { SweepResultRow } from '@zixly/contracts'
import { reasonOf, type Outcome } from './outcome.ts'

/** Where a message links to: the dashboard's job page. */
export interface Links {
  job(jobId: string): string
}

const fixed = (n: number, digits: number) => (Number.isFinite(n) ? n.toFixed(digits) : String(n))
const signed = (n: number, digits: number) => `${n >= 0 ? '+' : ''}${fixed(n, digits)}`

/** The key metrics of the best pair, label → value, in the order a reader wants them. */
export function keyMetrics(best: SweepResultRow): Array<[string, string]> {
  return [
    ['score', fixed(best.score, 4)],
    ['sharpe ratio', fixed(best.sharpe_ratio, 2)],
    ['sortino ratio', fixed(best.sortino_ratio, 2)],
    ['total return', `${fixed(best.total_return_pct, 2)} %`],
    ['max drawdown', `${fixed(best.max_drawdown_pct, 2)} %`],
    ['win rate', `${fixed(best.win_rate_pct, 2)} %`],
    ['profit factor', best.profit_factor === null ? 'no losing trade' : fixed(best.profit_factor, 2)],
    ['closed trades', String(best.total_closed_trades)],
    ['vs buy-and-hold', `${signed(best.beats_bnh_pct, 2)} pts`],
  ]
}

function what(o: Outcome): string {
  const p = o.params
  return p ? `${p.ticker} ${p.strategy_type} sweep` : 'sweep'
}

/** "fast 10 / slow 30". */
export const pairOf = (best: SweepResultRow) => `fast ${best.fast_period} / slow ${best.slow_period}`

/** One-line summary: the email subject and the Slack fallback text. */
export function headline(o: Outcome): string {
  const e = o.event
  if (e.type === 'SweepCompleted')
    return e.data.best
      ? `${what(o)} completed: best ${pairOf(e.data.best)} (score ${fixed(e.data.best.score, 4)})`
      : `${what(o)} completed: no pair reached min_trades`
  return `${what(o)} ${o.status === 'FAILED' ? 'failed' : 'was cancelled'}`
}

function gridLine(o: Outcome): string | null {
  const e = o.event
  if (e.type !== 'SweepCompleted') return null
  const min = o.params ? ` (min_trades ${o.params.min_trades})` : ''
  return `${e.data.total_combinations} combinations, ${e.data.ranked_combinations} ranked${min}, ${fixed(e.data.duration_ms / 1000, 1)} s`
}

/** The email: plain text, readable in any client. */
export function emailMessage(o: Outcome, links: Links): { subject: string; text: string } {
  const lines = [`Job ${o.jobId} — ${headline(o)}.`, '']
  if (o.params)
    lines.push(
      `Ticker:    ${o.params.ticker}`,
      `Strategy:  ${o.params.strategy_type}`,
      `Grid:      fast ${o.params.fast_range.join('–')}, slow ${o.params.slow_range.join('–')}, step ${o.params.step}`,
    )
  lines.push(`Outcome:   ${o.status}`)
  const grid = gridLine(o)
  if (grid) lines.push(`Swept:     ${grid}`)
  const e = o.event
  if (e.type === 'SweepCompleted' && e.data.best) {
    lines.push('', `Best pair: ${pairOf(e.data.best)}`)
    for (const [label, value] of keyMetrics(e.data.best)) lines.push(`  ${label.padEnd(16)} ${value}`)
  }
  const reason = reasonOf(o)
  if (reason) lines.push(`Reason:    ${reason}`)
  lines.push('', `Details: ${links.job(o.jobId)}`)
  return { subject: `[Zixly] ${headline(o)}`, text: `${lines.join('\n')}\n` }
}

/** Slack's mrkdwn treats &, < and > as markup. */
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

/** The Slack incoming-webhook payload: fallback text plus blocks. */
export function slackMessage(o: Outcome, links: Links): { text: string; blocks: unknown[] } {
  const icon =
    o.status === 'COMPLETED' ? ':white_check_mark:' : o.status === 'FAILED' ? ':x:' : ':no_entry_sign:'
  const text = `${icon} ${esc(headline(o))}`
  const fields: string[] = [`*Job*\n<${links.job(o.jobId)}|${o.jobId}>`, `*Outcome*\n${o.status}`]
  if (o.params) fields.push(`*Ticker*\n${esc(o.params.ticker)}`, `*Strategy*\n${o.params.strategy_type}`)
  const blocks: unknown[] = [
    { type: 'section', text: { type: 'mrkdwn', text } },
    { type: 'section', fields: fields.map((f) => ({ type: 'mrkdwn', text: f })) },
  ]
  const e = o.event
  if (e.type === 'SweepCompleted' && e.data.best) {
    const metrics = keyMetrics(e.data.best).map(([l, v]) => `${l}: *${esc(v)}*`)
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: `*Best pair: ${pairOf(e.data.best)}*\n${metrics.join(' · ')}` },
    })
  }
  const grid = gridLine(o)
  const reason = reasonOf(o)
  const context = [grid, reason ? `Reason: ${esc(reason)}` : null].filter((x): x is string => x !== null)
  if (context.length > 0)
    blocks.push({ type: 'context', elements: context.map((t) => ({ type: 'mrkdwn', text: t })) })
  return { text, blocks }
}
