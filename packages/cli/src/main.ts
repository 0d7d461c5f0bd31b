import { runCli } from './cli.ts'

// The `zixly` command (bin/zixly.mjs at the repository root runs this file with tsx).
process.exitCode = await runCli(process.argv.slice(2))
