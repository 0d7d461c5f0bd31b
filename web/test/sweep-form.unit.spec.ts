import { describe, expect, it } from 'vitest'
import { SweepRequestBody } from '@zixly/contracts'
import { bodyFromForm, DEFAULT_VALUES, fieldOf, groupErrors, validateForm } from '../src/lib/sweep-form.ts'

describe('the trigger form', () => {
  it('starts with the seed request, which the webhook schema accepts as is', () => {
    const { body, errors } = validateForm(DEFAULT_VALUES)
    expect(errors).toEqual({})
    expect(SweepRequestBody.parse(body)).toMatchObject({ ticker: 'BTC-USD', fast_range: [10, 20], slow_range: [20, 30], step: 5, strategy_type: 'SMA' })
  })

  it('names every bad field, as ingest would', () => {
    const { errors } = validateForm({ ...DEFAULT_VALUES, ticker: '', fast_from: '25', step: 'x', priority: '12' })
    expect(Object.keys(errors).sort()).toEqual(['fast_range', 'priority', 'step', 'ticker'])
  })

  it('leaves blank optional fields out and sends signal_period only for MACD', () => {
    const body = bodyFromForm({ ...DEFAULT_VALUES, start: '', timeout_seconds: ' ' })
    expect(body).not.toHaveProperty('start')
    expect(body).not.toHaveProperty('timeout_seconds')
    expect(body).not.toHaveProperty('signal_period')
    expect(bodyFromForm({ ...DEFAULT_VALUES, strategy_type: 'MACD' })).toHaveProperty('signal_period', 9)
  })

  it('files ingest field paths under the form field they belong to', () => {
    expect(fieldOf('fast_range[1]')).toBe('fast_range')
    expect(fieldOf('slow_range.0')).toBe('slow_range')
    expect(fieldOf('(body)')).toBe('form')
    expect(groupErrors([{ field: 'ticker', message: 'unknown ticker' }, { field: 'ticker', message: 'too long' }])).toEqual({
      ticker: ['unknown ticker', 'too long'],
    })
  })
})
