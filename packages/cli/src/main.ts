// The `mua-sts` dispatcher: one file per command under commands/, every error one stderr line with
// its code, exit codes as documented in the README. Never prints a stack trace.

import { wantsHelp } from './args.js'
import type { Command } from './command.js'
import { demoCommand } from './commands/demo-command.js'
import { pinsCommand } from './commands/pins.js'
import { probeCommand } from './commands/probe.js'
import { reportsCommand } from './commands/reports.js'
import { setupCommand } from './commands/setup.js'
import { storeCommand } from './commands/store.js'
import { EXIT, errorLine, exitCodeFor, UsageError } from './exit.js'
import { type CliIo, processIo } from './io.js'
import { VERSION } from './version.js'

export const COMMANDS: readonly Command[] = [
  setupCommand,
  probeCommand,
  pinsCommand,
  storeCommand,
  reportsCommand,
  demoCommand,
]

function globalHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length))
  return [
    'Usage: mua-sts <command> [options]',
    '       mua-sts --version',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run mua-sts <command> --help for its options. Exit codes: 0 ok, 1 refused, 2 usage,',
    '3 store/keychain/outbox, 4 network, 5 credentials rejected (setup), 70 internal error,',
    '130 interrupted.',
  ].join('\n')
}

/** Runs one `mua-sts` invocation and returns its exit code. Never throws. */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const [name, ...rest] = argv
  if (name === '--help' || name === '-h' || name === 'help') {
    io.out(globalHelp())
    return EXIT.ok
  }
  if (name === '--version' || name === '-V') {
    io.out(VERSION)
    return EXIT.ok
  }
  if (name === undefined) {
    io.err(errorLine('', new UsageError('missing command; run mua-sts --help')))
    io.err('Usage: mua-sts <command> [options]')
    return EXIT.usage
  }
  const command = COMMANDS.find((c) => c.name === name)
  if (command === undefined) {
    io.err(errorLine('', new UsageError(`unknown command '${name}'; run mua-sts --help`)))
    io.err(`Commands: ${COMMANDS.map((c) => c.name).join(', ')}`)
    return EXIT.usage
  }
  if (wantsHelp(rest)) {
    io.out(command.help)
    return EXIT.ok
  }
  try {
    return await command.run(rest, io)
  } catch (error) {
    io.err(errorLine(command.name, error))
    const code = exitCodeFor(error)
    // A usage error also shows how the command is called (the first line of its help).
    if (code === EXIT.usage) io.err(command.help.split('\n')[0] ?? '')
    return code
  }
}
