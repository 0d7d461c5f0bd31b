import { describe } from './errors.ts'

/**
 * Runs a service's `main`. A failure to start (a dependency that does not answer, a bad setting) is
 * one line on stderr and exit code 1 — never a stack trace.
 */
export function runMain(service: string, main: () => Promise<unknown>): void {
  main().catch((err: unknown) => {
    process.stderr.write(`${service}: ${describe(err)}\n`)
    process.exit(1)
  })
}
