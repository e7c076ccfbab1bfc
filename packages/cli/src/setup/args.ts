// `mua-sts setup` arguments: flags, their zod schema (argv is a trust boundary, house style H14) and
// the help text. There is deliberately no flag that carries the password itself.
import { createHash } from 'node:crypto'
import { AccountRefSchema, ServiceSchema, SpkiSchema } from '@mua-sts/core'
import { parseEmail } from '@mua-sts/setup'
import { z } from 'zod'
import { UsageError } from '../exit.js'
import { STORE_FLAGS, STORE_HELP, StoreArgsSchema } from '../store-open.js'

export const SETUP_USAGE =
  'mua-sts setup <email> [--password-stdin] [--yes [--accept <id>]…] [--json] [--user <name>] [--account <ref>] [--service <s>]… [--backup-pin <hash>]… [--replace --reason <text>] [--ca <file>] [--resolver <ip[:port]>] [--store <dir>] [--keychain <name>]'

export const SETUP_HELP = `Usage: ${SETUP_USAGE}

Sets up <email> so that its transport security can never silently fall below what is found now:
  1. discovers the IMAP, POP3 and SMTP submission servers (SRV, autoconfig, MX, guesses);
  2. probes every candidate WITHOUT credentials, with live progress on stderr;
  3. shows the proposal (one endpoint per service and what every later connection must meet) and
     asks you to confirm each item that needs it (y/N), then the whole proposal;
  4. reads the password without echo (or the first line of stdin with --password-stdin) and tries it
     only through the guarded clients, over sessions that meet the proposal (RFC 8314 §5.1);
  5. pins the commitments in the store only if every chosen service logged in.
A wrong password or a refused server pins nothing, and the output says which it was.

If the account already has a commitment that conflicts (the provider moved), setup offers to replace
it through the store's audited ceremony (forget + pin in one step, one audit record): on a terminal
it asks, in scripts pass --replace --reason "…".

Options:
  --password-stdin     Read the password from the first line of stdin (never pass it as an argument).
  --yes                Do not ask: confirm the proposal. Needed when stdin is not a terminal. It does
                       NOT acknowledge an item that needs confirmation (a server found through an
                       unsigned out-of-domain SRV answer, a guess, a third party, or entered by hand):
                       a forged DNS answer must never be pinned by a script on its own (RFC 8314 §5.1).
  --accept <id>        With --yes: acknowledge this confirmation item (its id is printed, and is in the
                       --json proposal); repeatable. Unnamed items leave nothing pinned (exit 1).
  --json               Print one JSON document (proposal, result, exitCode) on stdout; messages go to
                       stderr. The password never appears in any output.
  --user <name>        Login name. Default: <email>.
  --account <ref>      Account reference the commitments are pinned under ([A-Za-z0-9._:-]).
                       Default: acct_ and 16 hex digits of SHA-256 of the address (stable per address).
  --service <s>        Pin only this service (imap, pop3 or submission); repeatable. Default: every
                       proposed service.
  --backup-pin <hash>  Also pin the server's current key (SPKI) plus this backup key, repeatable
                       (RFC 7469 §2.5: keep the backup key offline; without it, a key change locks
                       the account out). Later key changes need mua-sts pins rotate. Default: no pins.
  --replace            Replace a conflicting commitment (provider move) without asking; needs --reason.
  --reason <text>      Why the old commitment is replaced (at least 3 characters); kept in the audit log.
  --actor <name>       Who confirmed the replacement; default "cli:<login name>".
  --resolver <ip[:port]>  DNSSEC-validating resolver (loopback only). Every DNS query goes to it and
                       to nothing else: SRV and MX (its AD bit marks SRV answers validated), and the
                       A/AAAA lookups of the autoconfig fetches, the probes and the login test.
  --timeout <ms>       Deadline per discovery source and per probe. Default 5000.
  --concurrency <n>    Probes in flight at once (1-64). Default 8.
  --ca <file>          PEM CA certificates replacing the system roots (private CAs, tests), for the
                       autoconfig fetches, the probes and the login test. Checked first: anything
                       else is exit 2.
${STORE_HELP}
  -h, --help           Show this help.

Exit codes: 0 pinned; 1 refused (a server failed the security checks, nothing proposable, a conflict
not replaced, or not confirmed); 2 usage error; 3 store or keychain error; 4 nothing could be reached;
5 the server rejected the user name or password; 130 interrupted.`

export const SETUP_FLAGS = {
  ...STORE_FLAGS,
  'password-stdin': { type: 'boolean' },
  yes: { type: 'boolean' },
  accept: { type: 'string', multiple: true },
  json: { type: 'boolean' },
  user: { type: 'string' },
  account: { type: 'string' },
  service: { type: 'string', multiple: true },
  'backup-pin': { type: 'string', multiple: true },
  replace: { type: 'boolean' },
  reason: { type: 'string' },
  actor: { type: 'string' },
  resolver: { type: 'string' },
  timeout: { type: 'string' },
  concurrency: { type: 'string' },
  ca: { type: 'string' },
} as const

const int = (min: number, max: number) =>
  z
    .string()
    .regex(/^[0-9]+$/, 'expected a whole number')
    .transform(Number)
    .pipe(z.int().min(min, `expected at least ${min}`).max(max, `expected at most ${max}`))

export const SetupArgsSchema = StoreArgsSchema.extend({
  positionals: z.array(z.string()).length(1, 'expected exactly one email address'),
  'password-stdin': z.boolean().default(false),
  yes: z.boolean().default(false),
  accept: z.array(z.string().min(1).max(400)).max(16).default([]),
  json: z.boolean().default(false),
  user: z.string().min(1).max(1024).optional(),
  account: AccountRefSchema.optional(),
  service: z.array(ServiceSchema).min(1).max(3).optional(),
  'backup-pin': z.array(SpkiSchema).min(1).max(15).optional(),
  replace: z.boolean().default(false),
  reason: z.string().trim().min(3, 'expected at least 3 characters').max(1000).optional(),
  actor: z.string().trim().min(1).max(128).optional(),
  resolver: z.string().max(64).optional(),
  timeout: int(100, 600_000).default(5000),
  concurrency: int(1, 64).default(8),
  ca: z.string().min(1).optional(),
})
export type SetupArgs = z.output<typeof SetupArgsSchema>

/** The default account reference: stable for one address, and not the address itself (reports carry it). */
export function defaultAccountRef(email: string): string {
  const { localPart, domain } = parseEmail(email)
  const digest = createHash('sha256').update(`${localPart}@${domain}`, 'utf8').digest('hex')
  return `acct_${digest.slice(0, 16)}`
}

/** Combinations that can only fail later, refused before anything is read or sent. */
export function checkSetupArgs(args: SetupArgs, stdinIsTty: boolean): void {
  if (args.accept.length > 0 && !args.yes)
    throw new UsageError('--accept only applies with --yes; on a terminal each item is asked for')
  if (args.replace && args.reason === undefined)
    throw new UsageError('--replace needs --reason (it is kept in the audit log)')
  if (args['password-stdin'] && args['keychain-passphrase-stdin'])
    throw new UsageError(
      '--password-stdin and --keychain-passphrase-stdin both read stdin; pass the passphrase in MUA_STS_KEYCHAIN_PASSPHRASE',
    )
  if (!stdinIsTty && !args.yes)
    throw new UsageError('stdin is not a terminal, so nothing can be confirmed interactively; pass --yes')
  if (!stdinIsTty && !args['password-stdin'])
    throw new UsageError('stdin is not a terminal; pass the password with --password-stdin')
}
