import { parseArgs } from 'node:util'
import { describe } from '@zixly/platform'
import { groups } from './commands/index.ts'
import { createContext, type Output } from './context.ts'
import { COMMON_OPTIONS, UsageError, type Command, type CommandGroup } from './registry.ts'

const ENV_HELP = `Connection settings come from the same variables as the services:
  NATS_URL, DATABASE_URL, PG_SCHEMA, ZIXLY_NAMESPACE (defaults: local NATS and Postgres, schema and namespace "zixly").
Every command takes --json (machine-readable stdout), --quiet (no progress on stderr) and --help.`

function usageLine(g: CommandGroup, c: Command): string {
  return `  zixly ${g.name} ${c.name} ${c.usage}`.trimEnd() + `\n      ${c.summary}`
}

function topHelp(): string {
  const lines = groups.flatMap((g) => g.commands.map((c) => usageLine(g, c)))
  return `zixly: operate a Zixly installation (replay, event log, streams)\n\nUsage:\n${lines.join('\n')}\n\n${ENV_HELP}\n`
}

function groupHelp(g: CommandGroup): string {
  const lines = g.commands.map((c) => usageLine(g, c))
  return `zixly ${g.name}: ${g.summary}\n\nUsage:\n${lines.join('\n')}\n\nRun \`zixly ${g.name} <command> --help\` for its options.\n`
}

function commandHelp(g: CommandGroup, c: Command): string {
  const opts = Object.entries({ ...c.options, ...COMMON_OPTIONS }).map(
    ([name, o]) => `  --${name}${o.short ? `, -${o.short}` : ''}${o.type === 'string' ? ' <value>' : ''}${o.multiple ? ' (repeatable)' : ''}`,
  )
  return `zixly ${g.name} ${c.name} ${c.usage}\n\n${c.summary}\n${c.help ? `\n${c.help}\n` : ''}\nOptions:\n${opts.join('\n')}\n\n${ENV_HELP}\n`
}

/**
 * Runs the CLI: `argv` without node and the script. Returns the exit code: 0 done, 1 failed,
 * 2 wrong usage. Output goes to the given streams (the process's by default).
 */
export async function runCli(
  argv: readonly string[],
  io: { env?: Record<string, string | undefined>; stdout?: Output; stderr?: Output } = {},
): Promise<number> {
  const stdout = io.stdout ?? process.stdout
  const stderr = io.stderr ?? process.stderr
  const [groupName, commandName, ...rest] = argv
  if (!groupName || groupName === '--help' || groupName === '-h' || groupName === 'help') {
    stdout.write(topHelp())
    return groupName ? 0 : 2
  }
  const group = groups.find((g) => g.name === groupName)
  if (!group) {
    stderr.write(`zixly: unknown command "${groupName}"\n\n${topHelp()}`)
    return 2
  }
  const command = group.commands.find((c) => c.name === commandName)
  if (!command) {
    const wanted = !commandName || commandName === '--help' || commandName === '-h'
    ;(wanted ? stdout : stderr).write(`${wanted ? '' : `zixly ${group.name}: unknown command "${commandName}"\n\n`}${groupHelp(group)}`)
    return commandName === '--help' || commandName === '-h' ? 0 : 2
  }
  let parsed
  try {
    parsed = parseArgs({ args: [...rest], options: { ...command.options, ...COMMON_OPTIONS }, allowPositionals: true, strict: true })
  } catch (err) {
    stderr.write(`zixly ${group.name} ${command.name}: ${describe(err)}\n\n${commandHelp(group, command)}`)
    return 2
  }
  if (parsed.values.help) {
    stdout.write(commandHelp(group, command))
    return 0
  }
  const ctx = createContext({ env: io.env ?? process.env, stdout, stderr, json: parsed.values.json === true, quiet: parsed.values.quiet === true })
  try {
    return (await command.run({ positionals: parsed.positionals, values: parsed.values, ctx })) ?? 0
  } catch (err) {
    if (err instanceof UsageError) {
      stderr.write(`zixly ${group.name} ${command.name}: ${err.message}\n\n${commandHelp(group, command)}`)
      return 2
    }
    stderr.write(`zixly ${group.name} ${command.name}: ${describe(err)}\n`)
    return 1
  } finally {
    await ctx.close()
  }
}
