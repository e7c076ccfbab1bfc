// argv → validated options. node:util parseArgs tokenises (strict: unknown flags are errors), then a
// zod schema validates values (house style H14: argv is a trust boundary). Every failure is a
// UsageError with one line that names the flag.
import { parseArgs } from 'node:util'
import type { z } from 'zod'
import { UsageError } from './exit.js'

export type FlagSpec = Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>

export type Parsed<S extends z.ZodType> = z.output<S>

/** Tokenises argv against `flags`, then validates `{ ...values, positionals }` with `schema`. `helpHint` names the help to read. */
export function parseCommand<S extends z.ZodType>(
  argv: readonly string[],
  flags: FlagSpec,
  schema: S,
  helpHint: string,
): Parsed<S> {
  let tokens: ReturnType<typeof parseArgs>
  try {
    tokens = parseArgs({ args: [...argv], options: flags, strict: true, allowPositionals: true })
  } catch (error) {
    // Node's first sentence is the clear part ("Unknown option '--x'"); the rest is a hint about '--'.
    const message = (error instanceof Error ? error.message : String(error)).split(/\.(?: |$)|\n/)[0]
    throw new UsageError(`${message}; see ${helpHint}`)
  }
  const result = schema.safeParse({ ...tokens.values, positionals: tokens.positionals })
  if (result.success) return result.data
  const issue = result.error.issues[0]
  const where = issue?.path[0] === 'positionals' ? 'arguments' : `--${String(issue?.path[0] ?? '')}`
  throw new UsageError(`${where}: ${issue?.message ?? 'invalid'}; see ${helpHint}`)
}

/** True when argv asks for help (`--help` / `-h` anywhere). */
export function wantsHelp(argv: readonly string[]): boolean {
  return argv.includes('--help') || argv.includes('-h')
}
