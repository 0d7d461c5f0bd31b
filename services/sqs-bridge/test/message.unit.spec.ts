import { describe, expect, it } from 'vitest'
import { parseMessage, queueNameOfArn, retryVisibilitySeconds } from '../src/message.ts'

describe('reading an SQS message', () => {
  it('uses the message id as the idempotency key, so a message received twice is one job', () => {
    expect(parseMessage({ MessageId: 'm-1', Body: '{"ticker":"BTC-USD"}' })).toEqual({
      ok: true,
      body: { ticker: 'BTC-USD' },
      key: 'sqs:m-1',
    })
  })
  it("prefers the producer's Idempotency-Key attribute, so the producer's own retries are one job too", () => {
    const m = {
      MessageId: 'm-2',
      Body: '{}',
      MessageAttributes: { 'Idempotency-Key': { DataType: 'String', StringValue: 'order-7' } },
    }
    expect(parseMessage(m)).toMatchObject({ ok: true, key: 'order-7' })
  })
  it('dead-letters a body that is not JSON', () => {
    expect(parseMessage({ MessageId: 'm-3', Body: 'ticker=BTC' })).toEqual({
      ok: false,
      code: 'INVALID_JSON',
      reason: 'the message body is not JSON',
    })
  })
  it('waits longer after each failed receive, up to a cap', () => {
    expect([1, 2, 3].map((n) => retryVisibilitySeconds(n))).toEqual([5, 10, 20])
    expect(retryVisibilitySeconds(30)).toBe(300)
  })
  it('finds the queue name in an SQS ARN', () => {
    expect(queueNameOfArn('arn:aws:sqs:eu-west-1:123456789012:sweeps-dlq')).toBe('sweeps-dlq')
    expect(queueNameOfArn('arn:aws:sns:eu-west-1:123456789012:topic')).toBeNull()
  })
})
