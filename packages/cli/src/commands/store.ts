// `mua-sts store reset`: the audited way out for a store whose integrity can no longer be checked (its
// keychain items were deleted, the keyring was recreated, the marks are gone). The store's ceremony
// quarantines what cannot be verified, re-keys the store and writes an audit record. Every affected
// account is left with NO commitment: connections stay refused (MUASTS_ERR_NO_COMMITMENT) until setup
// runs again, so nothing is silently trusted on first use afterwards (DEEP -04 §5.4: no lightweight reset).
import { ErrorCode, isSdkError, SdkError } from '@mua-sts/core'
import type { FileStore, ResetRequest } from '@mua-sts/store'
import { z } from 'zod'
import { parseCommand } from '../args.js'
import type { Command } from '../command.js'
import { EXIT, type ExitCode, UsageError } from '../exit.js'
import type { CliIo } from '../io.js'
import { defaultActor } from '../setup/provider-move.js'
import { openExistingStore, STORE_FLAGS, STORE_HELP, StoreArgsSchema } from '../store-open.js'

const USAGE =
  'mua-sts store reset --reason <text> [--actor <name>] [--yes] [--json] [--store <dir>] [--keychain <name>]'

const HELP = `Usage: ${USAGE}

  reset                Recovers a store that can no longer be verified (keychain items deleted, keyring
                       recreated, integrity marks lost), through the store's audited reset ceremony:
                       files that cannot be verified are moved to quarantine/ (never deleted), the store
                       gets a new integrity key, and the audit log records who, when and why.
                       Every account in it is then left with NO commitment: its connections are refused
                       (MUASTS_ERR_NO_COMMITMENT) until you run mua-sts setup for it again. Nothing is
                       trusted on first use. A keychain that is merely locked is not a reason to reset:
                       unlock it and try again (the command refuses).

Options:
  --reason <text>      Why (at least 3 characters); stored in the audit log. Required.
  --actor <name>       Who confirmed; default "cli:<login name>".
  --yes                Do not ask (required when stdin is not a terminal).
  --json               Print the audit record as JSON on stdout.
${STORE_HELP}
  -h, --help           Show this help.

Exit codes: 0 reset; 1 nothing to reset (the store verifies; damage to one account is reset with
mua-sts pins forget) or not confirmed; 2 usage error; 3 store or keychain error (for example a locked
keychain).`

const FLAGS = {
  ...STORE_FLAGS,
  reason: { type: 'string' },
  actor: { type: 'string' },
  yes: { type: 'boolean' },
  json: { type: 'boolean' },
} as const

const ArgsSchema = StoreArgsSchema.extend({
  positionals: z.array(z.string()).length(1, 'expected reset'),
  reason: z.string().trim().min(3, 'expected at least 3 characters').max(1000).optional(),
  actor: z.string().trim().min(1).max(128).optional(),
  yes: z.boolean().default(false),
  json: z.boolean().default(false),
})

function describeRequest(r: ResetRequest): string[] {
  const lines = [`  why:      ${r.diagnosis} (${r.cause})`]
  if (r.scope === 'store') {
    lines.push(`  affected: ${r.affected.accounts} account file(s); every file listed moves to quarantine/`)
    for (const f of r.affected.files) lines.push(`    ${f}`)
  } else lines.push('  affected: only the audit log is restarted (the old one is kept in quarantine/)')
  return lines
}

/** requestReset, with "this store verifies, nothing to reset" as a refusal rather than a usage error. */
async function request(store: FileStore, io: CliIo): Promise<ResetRequest | undefined> {
  try {
    return await store.requestReset()
  } catch (error) {
    if (!isSdkError(error, ErrorCode.InvalidOption)) throw error
    io.err(`mua-sts store reset: nothing to reset: ${error.message}`)
    return undefined
  }
}

async function reset(args: z.output<typeof ArgsSchema>, io: CliIo): Promise<ExitCode> {
  if (args.reason === undefined)
    throw new UsageError('reset: --reason is required (it is kept in the audit log)')
  if (!args.yes && !io.stdinIsTty)
    throw new UsageError('reset: stdin is not a terminal; pass --yes to confirm')
  const { store, dir } = await openExistingStore(args, io)
  if (store === undefined) throw new SdkError(ErrorCode.NoCommitment, `no store at ${dir}; nothing to reset`)
  const pending = await request(store, io)
  if (pending === undefined) return EXIT.refused
  io.err(`The store at ${dir} can no longer be verified and can be reset:`)
  for (const line of describeRequest(pending)) io.err(line)
  if (pending.scope === 'store') {
    io.err('The store gets a new integrity key. Every account in it is left with NO commitment: its')
    io.err('connections are refused until you run mua-sts setup for it again.')
  }
  if (!args.yes) {
    const answer = await io.prompt('Type "reset" to confirm: ')
    if (answer.trim() !== 'reset') {
      io.err('mua-sts store reset: not confirmed; nothing was changed')
      return EXIT.refused
    }
  }
  const record = await store.reset({
    confirmation: pending.confirmation,
    actor: args.actor ?? defaultActor(),
    reason: args.reason,
  })
  if (args.json) io.out(JSON.stringify(record, null, 2))
  else
    io.out(
      `Store reset; the audit log records "${args.reason}". Run mua-sts setup again for every account that was in it.`,
    )
  return EXIT.ok
}

async function run(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  const args = parseCommand(argv, FLAGS, ArgsSchema, 'mua-sts store --help')
  if (args.positionals[0] !== 'reset')
    throw new UsageError(`unknown subcommand '${args.positionals[0]}'; see mua-sts store --help`)
  return reset(args, io)
}

export const storeCommand: Command = {
  name: 'store',
  summary: 'reset a store that can no longer be verified (audited; accounts need setup again)',
  help: HELP,
  run,
}
