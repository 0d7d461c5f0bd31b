import type { CommandGroup } from '../registry.ts'
import { dlq } from './dlq.ts'
import { events } from './events.ts'
import { replay } from './replay.ts'
import { streams } from './streams.ts'

/**
 * Every command group, one file each in this folder. A new group (e.g. `dlq`) is a file exporting a
 * `CommandGroup` and one line here.
 */
export const groups: readonly CommandGroup[] = [replay, events, streams, dlq]
