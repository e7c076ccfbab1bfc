// `mua-sts pins rotate <account> <service> --spki <hash>… --backup <hash>… --reason <text>`: the audited
// pin rotation ceremony (CommitmentStore.rotatePins). Pins only narrow by themselves; accepting a new
// key is a weakening, so it is never a join. The new set needs a backup pin that is not a primary pin
// (RFC 7469 §2.5: without a spare, the next key change locks the account out); `--clear` removes
// pinning altogether, leaving PKIX and the other latches.
import {
  AccountRefSchema,
  type Commitment,
  type CommitmentStore,
  ErrorCode,
  type PinSet,
  SdkError,
  ServiceSchema,
  SpkiSchema,
} from '@mua-sts/core'
import { z } from 'zod'
import { EXIT, type ExitCode, UsageError } from '../exit.js'
import type { CliIo } from '../io.js'
import { defaultActor } from '../setup/provider-move.js'
import { openExistingStore, StoreArgsSchema } from '../store-open.js'

export const ROTATE_USAGE =
  'pins rotate <account> <service> (--spki <hash>… --backup <hash>… | --clear) --reason <text> [--actor <name>] [--yes]'

export const ROTATE_HELP = `  rotate <account> <service>
                       Replace the SPKI pins of one service through the audited rotation ceremony:
                       --spki (repeatable) the keys to accept now, --backup (repeatable) at least one
                       spare key held offline (RFC 7469 §2.5), or --clear to stop pinning keys. Shows
                       old and new pins, then asks you to type the account reference, or --yes.
                       Hashes are base64 SHA-256 of the DER SubjectPublicKeyInfo, e.g.
                       openssl x509 -in cert.pem -pubkey -noout | openssl pkey -pubin -outform der |
                       openssl dgst -sha256 -binary | base64`

export const ROTATE_FLAGS = {
  spki: { type: 'string', multiple: true },
  backup: { type: 'string', multiple: true },
  clear: { type: 'boolean' },
} as const

export const RotateArgsSchema = StoreArgsSchema.extend({
  spki: z.array(SpkiSchema).max(16).optional(),
  backup: z.array(SpkiSchema).max(16).optional(),
  clear: z.boolean().default(false),
})

type RotateArgs = z.output<typeof RotateArgsSchema> & {
  readonly positionals: readonly string[]
  readonly reason?: string | undefined
  readonly actor?: string | undefined
  readonly yes: boolean
}

function target(args: RotateArgs): { account: string; service: z.output<typeof ServiceSchema> } {
  const [, account, service, ...extra] = args.positionals
  if (account === undefined || service === undefined || extra.length > 0)
    throw new UsageError('rotate: expected <account> <service>')
  const a = AccountRefSchema.safeParse(account)
  if (!a.success) throw new UsageError(`rotate: <account> ${a.error.issues[0]?.message ?? 'is invalid'}`)
  const s = ServiceSchema.safeParse(service)
  if (!s.success) throw new UsageError('rotate: <service> must be imap, pop3 or submission')
  return { account: a.data, service: s.data }
}

/** The pin set the flags ask for; the store's ceremony re-checks it (and owns the backup-pin rule). */
function pinSet(args: RotateArgs): PinSet {
  const spki = args.spki ?? []
  const backup = args.backup ?? []
  if (args.clear) {
    if (spki.length > 0 || backup.length > 0)
      throw new UsageError('rotate: --clear takes no --spki or --backup')
    return { spki: [], backup: [] }
  }
  if (spki.length === 0) throw new UsageError('rotate: give --spki <hash> (and --backup <hash>), or --clear')
  if (backup.length === 0)
    throw new UsageError(
      'rotate: --backup <hash> is required: without a spare key the next key change locks you out',
    )
  return { spki, backup }
}

const pinsOf = (c: Commitment): string =>
  [...c.pins.spki, ...c.pins.backup.map((p) => `${p} (backup)`)].join(' ') || '(none)'

export async function rotate(args: RotateArgs, io: CliIo): Promise<ExitCode> {
  const { account, service } = target(args)
  const pins = pinSet(args)
  if (args.reason === undefined)
    throw new UsageError('rotate: --reason is required (it is kept in the audit log)')
  if (!args.yes && !io.stdinIsTty)
    throw new UsageError('rotate: stdin is not a terminal; pass --yes to confirm')
  const { store, dir } = await openExistingStore(args, io)
  if (store === undefined) throw new SdkError(ErrorCode.NoCommitment, `no store at ${dir}`)
  const request = await store.requestForget(account, service)
  const current = request.commitments[0]
  if (current === undefined)
    throw new SdkError(ErrorCode.NoCommitment, `${account} has no verifiable ${service} commitment to rotate`)
  io.err(
    `This replaces the key pins of ${account} (${service}, ${current.endpoint.host}:${current.endpoint.port}):`,
  )
  io.err(`  now:   ${pinsOf(current)}`)
  io.err(
    `  after: ${[...pins.spki, ...pins.backup.map((p) => `${p} (backup)`)].join(' ') || '(none: keys are no longer pinned)'}`,
  )
  io.err('Any key in the new set will be accepted; everything else about the commitment stays as it is.')
  if (!args.yes) {
    const answer = await io.prompt(`Type the account reference "${account}" to confirm: `)
    if (answer.trim() !== account) {
      io.err('mua-sts pins rotate: not confirmed; nothing was changed')
      return EXIT.refused
    }
  }
  // Typed against the contract in @mua-sts/core (CommitmentStore.rotatePins).
  const ceremony: CommitmentStore = store
  await ceremony.rotatePins(
    {
      account,
      service,
      reason: args.reason,
      actor: args.actor ?? defaultActor(),
      confirmation: request.confirmation,
    },
    pins,
  )
  io.out(`Rotated the ${service} pins of ${account}; the audit log records "${args.reason}".`)
  return EXIT.ok
}
