// The shape every `mua-sts` subcommand file exports.
import type { ExitCode } from './exit.js'
import type { CliIo } from './io.js'

export type Command = {
  readonly name: string
  /** One line for `mua-sts --help`. */
  readonly summary: string
  /** Full `mua-sts <name> --help` text. */
  readonly help: string
  /** Runs with the arguments after the command name. Throws for errors; main() prints them. */
  run(argv: readonly string[], io: CliIo): Promise<ExitCode | number>
}
