// `mua-sts pins list | show <account> | forget <account> | rotate <account> <service>`: inspect the
// pinned commitments, remove them through the store's audited forget ceremony, or replace a service's
// SPKI pins through the rotation ceremony (pins-rotate.ts) (RFC 8314 §5.4: pins are user-revocable; DEEP -04
// §5.4: never a lightweight reset). forget shows exactly what goes, then asks on the terminal or
// wants --yes, and always a reason, which lands in the audit log.
import {
  AccountRefSchema,
  acceptedStatusUrl,
  type Commitment,
  ErrorCode,
  SdkError,
  ServiceSchema,
} from '@mua-sts/core'
import { z } from 'zod'
import { parseCommand } from '../args.js'
import type { Command } from '../command.js'
import { EXIT, type ExitCode, UsageError } from '../exit.js'
import type { CliIo } from '../io.js'
import { table } from '../render/table.js'
import { defaultActor } from '../setup/provider-move.js'
import { openExistingStore, STORE_FLAGS, STORE_HELP } from '../store-open.js'
import { ROTATE_FLAGS, ROTATE_HELP, ROTATE_USAGE, RotateArgsSchema, rotate } from './pins-rotate.js'

const USAGE = `mua-sts pins list [--json] | pins show <account> [--json] | pins forget <account> [--service <s>] --reason <text> [--actor <name>] [--yes] | ${ROTATE_USAGE}`

const HELP = `Usage: ${USAGE}

  list                 Every pinned commitment, one line each.
  show <account>       The commitments of one account in full (endpoint, floor, latches, pins, provenance).
  forget <account>     Remove the commitments of an account (or one --service) through the audited
                       forget ceremony: shows what will be removed, then asks you to type the account
                       reference on the terminal, or proceeds with --yes. A reason is always required
                       and is written to the store's audit log with the actor.
${ROTATE_HELP}

Options:
  --json               Machine-readable output (list, show).
  --service <s>        imap, pop3 or submission (forget only); default: every service of the account.
  --reason <text>      Why (at least 3 characters); stored in the audit log.
  --actor <name>       Who confirmed; default "cli:<login name>".
  --yes                Do not ask (required when stdin is not a terminal).
${STORE_HELP}
  -h, --help           Show this help.

Exit codes: 0 done; 1 nothing to show or forget, or not confirmed; 2 usage error;
3 store or keychain error (corrupt, rolled back, locked, keychain unavailable).`

const FLAGS = {
  ...STORE_FLAGS,
  ...ROTATE_FLAGS,
  json: { type: 'boolean' },
  service: { type: 'string' },
  reason: { type: 'string' },
  actor: { type: 'string' },
  yes: { type: 'boolean' },
} as const

const ArgsSchema = RotateArgsSchema.extend({
  positionals: z.array(z.string()).min(1, 'expected list, show, forget or rotate'),
  json: z.boolean().default(false),
  service: ServiceSchema.optional(),
  reason: z.string().trim().min(3, 'expected at least 3 characters').max(1000).optional(),
  actor: z.string().trim().min(1).max(128).optional(),
  yes: z.boolean().default(false),
})
type Args = z.output<typeof ArgsSchema>

function accountArg(args: Args, verb: string): string {
  const [, account, ...extra] = args.positionals
  if (account === undefined || extra.length > 0)
    throw new UsageError(`${verb}: expected exactly one <account>`)
  const parsed = AccountRefSchema.safeParse(account)
  if (!parsed.success)
    throw new UsageError(`${verb}: <account> ${parsed.error.issues[0]?.message ?? 'is invalid'}`)
  return parsed.data
}

function summary(c: Commitment): string[] {
  const e = c.endpoint
  return [
    c.account,
    c.service,
    `${e.host}:${e.port}`,
    e.transport,
    c.tlsFloor,
    c.latches.join(',') || '-',
    String(c.pins.spki.length + c.pins.backup.length),
  ]
}

function detail(c: Commitment): string[] {
  const directives = Object.entries(c.directives).map(([k, v]) => `${k}=${v}`)
  const lines = [
    `${c.account} / ${c.service}`,
    `  endpoint    ${c.endpoint.host}:${c.endpoint.port} (${c.endpoint.transport})`,
    `  tls floor   ${c.tlsFloor}`,
    `  latches     ${c.latches.join(' ') || '-'}`,
    `  directives  ${directives.join('; ') || '-'}`,
    `  spki pins   ${[...c.pins.spki, ...c.pins.backup.map((p) => `${p} (backup)`)].join(' ') || '-'}`,
  ]
  // Only a URL that passes core's scope rule is shown (a commitment saved before #12 may hold another).
  const url = acceptedStatusUrl(c)
  if (url !== undefined) lines.push(`  status url  ${url}`)
  for (const [key, p] of Object.entries(c.provenance).sort(([a], [b]) => (a < b ? -1 : 1))) {
    lines.push(`  provenance  ${key}: ${p.source}, first seen ${p.firstSeen}, confirmed ${p.lastConfirmed}`)
  }
  return lines
}

async function list(args: Args, io: CliIo): Promise<ExitCode> {
  const { store } = await openExistingStore(args, io)
  const all = store === undefined ? [] : await store.list()
  if (args.json) io.out(JSON.stringify(all, null, 2))
  else if (all.length === 0) io.out('No commitments are pinned.')
  else
    for (const line of table(
      ['ACCOUNT', 'SERVICE', 'ENDPOINT', 'TRANSPORT', 'FLOOR', 'LATCHES', 'PINS'],
      all.map(summary),
    ))
      io.out(line)
  return EXIT.ok
}

async function show(args: Args, io: CliIo): Promise<ExitCode> {
  const account = accountArg(args, 'show')
  const { store } = await openExistingStore(args, io)
  const found = store === undefined ? [] : await store.list(account)
  if (found.length === 0)
    throw new SdkError(ErrorCode.NoCommitment, `no commitments are pinned for ${account}`)
  if (args.json) io.out(JSON.stringify(found, null, 2))
  else for (const c of found) for (const line of detail(c)) io.out(line)
  return EXIT.ok
}

async function forget(args: Args, io: CliIo): Promise<ExitCode> {
  const account = accountArg(args, 'forget')
  if (args.reason === undefined)
    throw new UsageError('forget: --reason is required (it is kept in the audit log)')
  if (!args.yes && !io.stdinIsTty)
    throw new UsageError('forget: stdin is not a terminal; pass --yes to confirm')
  const { store, dir } = await openExistingStore(args, io)
  if (store === undefined) throw new SdkError(ErrorCode.NoCommitment, `no store at ${dir}`)
  const request = await store.requestForget(account, args.service)
  io.err(
    `This removes ${request.commitments.length} commitment(s) of ${account}${args.service ? ` (${args.service})` : ''}:`,
  )
  for (const c of request.commitments) io.err(`  ${summary(c).slice(1).join('  ')}`)
  if (request.integrity !== undefined)
    io.err(`  The stored file failed its integrity check (${request.integrity}); the whole account is reset.`)
  io.err('Until it is set up again, the account has no protection against downgrades.')
  if (!args.yes) {
    const answer = await io.prompt(`Type the account reference "${account}" to confirm: `)
    if (answer.trim() !== account) {
      io.err('mua-sts pins forget: not confirmed; nothing was removed')
      return EXIT.refused
    }
  }
  const record = await store.forget({
    account,
    service: args.service,
    reason: args.reason,
    actor: args.actor ?? defaultActor(),
    confirmation: request.confirmation,
  })
  io.out(
    `Forgot ${record.services.join(', ') || 'nothing'} for ${account}; the audit log records "${args.reason}".`,
  )
  return EXIT.ok
}

async function run(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  const args = parseCommand(argv, FLAGS, ArgsSchema, 'mua-sts pins --help')
  const verb = args.positionals[0]
  if (verb === 'list') {
    if (args.positionals.length > 1) throw new UsageError('list: takes no arguments')
    return list(args, io)
  }
  if (verb === 'show') return show(args, io)
  if (verb === 'forget') return forget(args, io)
  if (verb === 'rotate') return rotate(args, io)
  throw new UsageError(`unknown subcommand '${verb}'; see mua-sts pins --help`)
}

export const pinsCommand: Command = {
  name: 'pins',
  summary: 'list, show, forget (audited) or rotate the key pins (audited) of pinned commitments',
  help: HELP,
  run,
}
