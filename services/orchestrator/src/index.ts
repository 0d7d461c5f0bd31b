export { startOrchestrator } from './shell.ts'
export { decide, type Output } from './sweep/decide.ts'
export { evolve, initialState, isTerminal, type JobState } from './sweep/state.ts'
