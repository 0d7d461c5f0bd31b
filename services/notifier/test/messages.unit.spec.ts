import { describe, expect, it } from 'vitest'
import { OutcomeCallback, type NotificationChannel } from '@zixly/contracts'
import { callbackBody, outcomeOf } from '../src/outcome.ts'
import { emailMessage, slackMessage } from '../src/render.ts'
import { channelsFor, IMPLICIT_CALLBACK } from '../src/channels.ts'
import { afterAttempt, backoffMs } from '../src/retry.ts'
import { best, cancelled, completed, failed, JOB_ID, params } from './fixtures.ts'

const links = { job: (id: string) => `https://dash.example/jobs/${id}` }

describe('messages about a job outcome', () => {
  it('an email about a completion names the job, ticker, strategy, outcome and the best pair with its key metrics', () => {
    const { subject, text } = emailMessage(outcomeOf(completed(), params), links)
    expect(subject).toBe('[Zixly] BTC-USD SMA sweep completed: best fast 10 / slow 30 (score 1.2346)')
    for (const part of [
      JOB_ID,
      'BTC-USD',
      'SMA',
      'COMPLETED',
      'fast 10 / slow 30',
      '1.2346',
      '1.43',
      '345.68 %',
      '28.50 %',
      '55.50 %',
      '2.75',
      '60',
      '-12.50 pts',
    ])
      expect(text).toContain(part)
    expect(text).toContain('8 combinations, 5 ranked (min_trades 50), 1.2 s')
    expect(text).toContain(`https://dash.example/jobs/${JOB_ID}`)
  })

  it('says so when no pair reached min_trades', () => {
    const { subject, text } = emailMessage(outcomeOf(completed({ best: null }), params), links)
    expect(subject).toContain('no pair reached min_trades')
    expect(text).not.toContain('Best pair')
  })

  it('an email about a failure gives the reason and the last error', () => {
    const { subject, text } = emailMessage(outcomeOf(failed(), params), links)
    expect(subject).toBe('[Zixly] BTC-USD SMA sweep failed')
    expect(text).toContain('FAILED')
    expect(text).toContain('every attempt failed (NOT_ENOUGH_BARS: the data cut leaves 4 bars)')
  })

  it('a Slack message carries fallback text, the job link and the best pair; markup in text is escaped', () => {
    const msg = slackMessage(outcomeOf(completed(), params), links)
    expect(msg.text).toContain(':white_check_mark: BTC-USD SMA sweep completed: best fast 10 / slow 30')
    const json = JSON.stringify(msg.blocks)
    expect(json).toContain(`<https://dash.example/jobs/${JOB_ID}|${JOB_ID}>`)
    expect(json).toContain('Best pair: fast 10 / slow 30')
    expect(json).toContain('sharpe ratio: *1.43*')
    const c = slackMessage(outcomeOf(cancelled(), { ...params, ticker: 'A<B' }), links)
    expect(c.text).toContain('A&lt;B')
    expect(JSON.stringify(c.blocks)).toContain('Reason: cancelled by ops@acme.test')
  })

  it('the callback body is a valid OutcomeCallback whose event_id is the terminal event id', () => {
    const body = callbackBody(
      outcomeOf(completed(), { ...params, callback_url: 'https://client.example/hook' }),
    )
    expect(OutcomeCallback.parse(body)).toEqual(body)
    expect(body).toMatchObject({
      event: 'sweep.completed',
      event_id: `SweepCompleted:${JOB_ID}:1`,
      status: 'COMPLETED',
      ticker: 'BTC-USD',
      best,
      total_combinations: 8,
      reason: null,
      status_url: `/webhook/jobs/${JOB_ID}`,
    })
    expect(callbackBody(outcomeOf(cancelled(), params))).toMatchObject({
      event: 'sweep.cancelled',
      best: null,
      reason: 'cancelled by ops@acme.test',
    })
  })
})

describe('which channels an outcome goes to', () => {
  const slack: NotificationChannel = {
    name: 'slack',
    kind: 'slack',
    enabled: true,
    outcomes: ['COMPLETED', 'FAILED', 'CANCELLED'],
    config: { webhook_url: 'https://hooks.example/a' },
  }
  const email: NotificationChannel = {
    name: 'email',
    kind: 'email',
    enabled: true,
    outcomes: ['FAILED'],
    config: { to: ['a@b.test'] },
  }
  const names = (cs: NotificationChannel[]) => cs.map((c) => c.name).sort()

  it('sends to the defaults, the subscribed channels and the callback when the request gave a URL', () => {
    expect(
      names(
        channelsFor({
          rows: [],
          defaults: [slack, email],
          outcome: 'FAILED',
          hasCallbackUrl: true,
          callbacks: true,
        }),
      ),
    ).toEqual(['callback', 'email', 'slack'])
    expect(
      names(
        channelsFor({
          rows: [],
          defaults: [slack, email],
          outcome: 'COMPLETED',
          hasCallbackUrl: false,
          callbacks: true,
        }),
      ),
    ).toEqual(['slack'])
  })

  it('a table row wins over the default of the same name, and can turn the callback off', () => {
    const rows: NotificationChannel[] = [
      { ...slack, enabled: false },
      { ...IMPLICIT_CALLBACK, enabled: false },
    ]
    expect(
      channelsFor({ rows, defaults: [slack], outcome: 'COMPLETED', hasCallbackUrl: true, callbacks: true }),
    ).toEqual([])
  })

  it('has no callback channel when callbacks are off for the installation', () => {
    expect(
      channelsFor({ rows: [], defaults: [], outcome: 'COMPLETED', hasCallbackUrl: true, callbacks: false }),
    ).toEqual([])
  })
})

describe('retries', () => {
  const policy = { maxAttempts: 4, baseMs: 1000, maxMs: 5000 }
  it('doubles the wait after each failed attempt, up to the cap', () => {
    expect([1, 2, 3, 4, 5].map((a) => backoffMs(a, policy))).toEqual([1000, 2000, 4000, 5000, 5000])
    expect(backoffMs(1, policy, 0.5)).toBe(1100)
  })
  it('retries a retryable failure until the last attempt, and never a permanent one', () => {
    expect(afterAttempt(1, null, policy)).toEqual({ status: 'SENT' })
    expect(afterAttempt(1, { retryable: true }, policy)).toEqual({ status: 'RETRYING', delayMs: 1000 })
    expect(afterAttempt(4, { retryable: true }, policy)).toEqual({ status: 'FAILED' })
    expect(afterAttempt(1, { retryable: false }, policy)).toEqual({ status: 'FAILED' })
  })
})
