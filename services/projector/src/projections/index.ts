import type { SweepEvent } from '@zixly/contracts'
import { projectJobs, type Position, type Statement } from './jobs.ts'

export type { Position, Statement }

/**
 * Every projection, in the order their statements run for one event. A new read model is a new pure
 * `(event, position) → Statement[]` file added here.
 */
const projections: Array<(e: SweepEvent, pos: Position) => Statement[]> = [projectJobs]

/** The SQL that applies one event to every read model. Pure. */
export function project(e: SweepEvent, pos: Position): Statement[] {
  return projections.flatMap((p) => p(e, pos))
}
