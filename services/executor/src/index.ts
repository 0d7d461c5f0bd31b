export { startExecutor } from './shell.ts'
export { inProcessRunner } from './adapters/inprocess.ts'
export { progressGate } from './progress.ts'
export type { SweepRunner, PreparedSweep, SweepOutcome } from './runner.ts'
