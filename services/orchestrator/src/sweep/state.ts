import type { RecordedError, SweepEvent, SweepParams } from '@zixly/contracts'

/** What the orchestrator knows of one job, rebuilt from its events. */
export type JobState =
  | { readonly status: 'initial' }
  | {
      readonly status: 'queued' | 'dispatched' | 'running' | 'completed' | 'failed' | 'cancelled'
      readonly jobId: string
      readonly tenantId: string
      readonly params: SweepParams
      /** The attempt dispatched last (0 before the first dispatch). */
      readonly attempt: number
      readonly errors: ReadonlyArray<RecordedError & { attempt: number }>
    }

export const initialState = (): JobState => ({ status: 'initial' })

export const isTerminal = (s: JobState): boolean =>
  s.status === 'completed' || s.status === 'failed' || s.status === 'cancelled'

/** Folds one event into the state. Pure; ignores events that make no sense in the current state. */
export function evolve(state: JobState, event: SweepEvent): JobState {
  if (event.type === 'SweepRequested') {
    if (state.status !== 'initial') return state
    return {
      status: 'queued',
      jobId: event.data.job_id,
      tenantId: event.metadata.tenantId,
      params: event.data.params,
      attempt: 0,
      errors: [],
    }
  }
  if (state.status === 'initial' || isTerminal(state)) return state
  switch (event.type) {
    case 'SweepDispatched':
      return { ...state, status: 'dispatched', attempt: event.data.attempt }
    case 'SweepStarted':
      return event.data.attempt === state.attempt ? { ...state, status: 'running' } : state
    case 'SweepAttemptFailed':
      if (event.data.attempt !== state.attempt) return state
      return { ...state, status: 'queued', errors: [...state.errors, { ...event.data.error, attempt: event.data.attempt }] }
    case 'SweepCompleted':
      return { ...state, status: 'completed' }
    case 'SweepFailed':
      return { ...state, status: 'failed' }
    case 'SweepCancelled':
      return { ...state, status: 'cancelled' }
    case 'SweepProgressed':
    case 'SweepResultsRecorded':
      return state
  }
}
