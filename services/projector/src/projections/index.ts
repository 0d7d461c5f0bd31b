import { controlProjection } from './control.ts'
import { jobsProjection } from './jobs.ts'
import type { EventProjection, LoggedEvent, Position, Projection, Statement } from './types.ts'

export { isJobEvent, type BatchProjection, type EventProjection, type JsonRow, type LoggedEvent, type Position, type Positioned, type Projection, type Statement } from './types.ts'

/**
 * Every read model, each with its own checkpoint row (`projection_checkpoints.name`). A new read
 * model is a new file added here: a `batch` projection for the events of every job's life (set-based
 * SQL per run of events), an `event` projection for rare events (one event → a few statements). The
 * shell applies them in this order; an event projection's statements run after the batch projections
 * have applied everything up to and including that event. A projection added later starts at
 * checkpoint 0, so the projector backfills it from the log while the others skip what they have.
 */
export const projections: readonly Projection[] = [jobsProjection, controlProjection]

/** The projections with these names (all when none is given); an unknown name is an error. */
export function selectProjections(names?: readonly string[]): readonly Projection[] {
  if (!names || names.length === 0) return projections
  const unknown = names.filter((n) => !projections.some((p) => p.name === n))
  if (unknown.length > 0)
    throw new Error(`unknown projection ${unknown.join(', ')} (known: ${projections.map((p) => p.name).join(', ')})`)
  return projections.filter((p) => names.includes(p.name))
}

/** The statements the event projections run for one event. Pure. */
export function project(e: LoggedEvent, pos: Position, among: readonly Projection[] = projections): Statement[] {
  return among.filter((p): p is EventProjection => p.kind === 'event').flatMap((p) => p.project(e, pos))
}
