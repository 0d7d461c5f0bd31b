import type { ParseArgsConfig } from 'node:util'
import type { Context } from './context.ts'

export type Options = NonNullable<ParseArgsConfig['options']>
export type Values = Record<string, string | boolean | Array<string | boolean> | undefined>

/** One subcommand, e.g. `replay rebuild`. `run` returns the exit code (0 when omitted). */
export interface Command {
  readonly name: string
  readonly summary: string
  /** Arguments after the subcommand, e.g. `<job-id> [--at <seq|time>]`. */
  readonly usage: string
  /** Extra lines of help: what it does, what it prints. */
  readonly help?: string
  readonly options?: Options
  run(args: { positionals: string[]; values: Values; ctx: Context }): Promise<number | void>
}

/** A command group (one file in `commands/`), e.g. `replay` with `rebuild` and `job`. */
export interface CommandGroup {
  readonly name: string
  readonly summary: string
  readonly commands: readonly Command[]
}

/** Options every command takes. */
export const COMMON_OPTIONS: Options = {
  help: { type: 'boolean', short: 'h' },
  json: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
}

/** A wrong argument: printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UsageError'
  }
}
