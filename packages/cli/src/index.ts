// @mua-sts/cli: the `mua-sts` command, also callable in-process (e.g. from an app's diagnostics page).
export type { Command } from './command.js'
export { EXIT, type ExitCode, errorLine, exitCodeFor, UsageError } from './exit.js'
export { type CliIo, processIo } from './io.js'
export { COMMANDS, main } from './main.js'
export { VERSION } from './version.js'
