// `mua-sts reports tail | export`: read the JSONL report outbox an app writes (@mua-sts/reports). Read
// only: nothing is delivered, trimmed or rotated from here.
import { existsSync } from 'node:fs'
import type { Report } from '@mua-sts/core'
import { JsonlOutbox } from '@mua-sts/reports'
import { z } from 'zod'
import { parseCommand } from '../args.js'
import type { Command } from '../command.js'
import { EXIT, type ExitCode, UsageError } from '../exit.js'
import type { CliIo } from '../io.js'
import { table } from '../render/table.js'

const USAGE =
  'mua-sts reports tail [-n <count>] [--json] --outbox <dir> | reports export --from <time> --to <time> [--org <name>] [--contact <text>] --outbox <dir>'

const HELP = `Usage: ${USAGE}

  tail                 The newest reports in the outbox (default 20), oldest first.
  export               An RFC 8460 (TLSRPT)-shaped aggregate of the reports generated in
                       [--from, --to), as JSON on stdout.

Options:
  --outbox <dir>       The app's report outbox directory (or set MUA_STS_OUTBOX).
  -n, --count <n>      How many reports tail prints (1-10000). Default 20.
  --json               tail: one JSON report per line (JSONL) instead of a table.
  --from <time>        export: start, inclusive (ISO-8601, e.g. 2026-03-01T00:00:00Z).
  --to <time>          export: end, exclusive.
  --org <name>         export: organization-name. Default "mua-sts".
  --contact <text>     export: contact-info.
  -h, --help           Show this help.

Exit codes: 0 done; 2 usage error (also: no outbox at the given directory); 3 the outbox could not be read.`

const FLAGS = {
  outbox: { type: 'string' },
  count: { type: 'string', short: 'n' },
  json: { type: 'boolean' },
  from: { type: 'string' },
  to: { type: 'string' },
  org: { type: 'string' },
  contact: { type: 'string' },
} as const

const Instant = z
  .string()
  .max(64)
  .refine(
    (s) => /^\d{4}-\d{2}-\d{2}/.test(s) && !Number.isNaN(new Date(s).getTime()),
    'expected an ISO-8601 time',
  )

const ArgsSchema = z.object({
  positionals: z.array(z.string()).length(1, 'expected tail or export'),
  outbox: z.string().min(1).max(4096).optional(),
  count: z
    .string()
    .regex(/^[0-9]+$/, 'expected a whole number')
    .transform(Number)
    .pipe(z.int().min(1).max(10_000))
    .default(20),
  json: z.boolean().default(false),
  from: Instant.optional(),
  to: Instant.optional(),
  org: z.string().min(1).max(256).optional(),
  contact: z.string().min(1).max(256).optional(),
})
type Args = z.output<typeof ArgsSchema>

// JsonlOutbox creates its directory when missing; a read-only command must not, so check first.
function openOutbox(args: Args, io: CliIo): JsonlOutbox {
  const dir = args.outbox ?? io.env['MUA_STS_OUTBOX']
  if (dir === undefined || dir === '') throw new UsageError('--outbox <dir> (or MUA_STS_OUTBOX) is required')
  if (!existsSync(dir)) throw new UsageError(`no outbox at ${dir}`)
  return new JsonlOutbox({ dir })
}

function row(r: Report): string[] {
  return [
    r.generatedAt,
    r.account.ref,
    r.service,
    `${r.endpoint.host}:${r.endpoint.port}`,
    r.action,
    r.violations.map((v) => v.code).join(','),
  ]
}

function tail(args: Args, io: CliIo): ExitCode {
  const outbox = openOutbox(args, io)
  const { reports, skipped } = outbox.read()
  const last = reports.slice(-args.count)
  if (args.json) for (const r of last) io.out(JSON.stringify(r))
  else if (last.length === 0) io.out('The outbox holds no reports.')
  else
    for (const line of table(
      ['GENERATED', 'ACCOUNT', 'SERVICE', 'ENDPOINT', 'ACTION', 'VIOLATIONS'],
      last.map(row),
    ))
      io.out(line)
  if (skipped > 0) io.err(`mua-sts reports: skipped ${skipped} damaged line(s) in the outbox`)
  return EXIT.ok
}

function exportAggregate(args: Args, io: CliIo): ExitCode {
  if (args.from === undefined || args.to === undefined)
    throw new UsageError('export: --from and --to are required')
  const outbox = openOutbox(args, io)
  const aggregate = outbox.exportAggregate({
    from: args.from,
    to: args.to,
    ...(args.org === undefined ? {} : { organizationName: args.org }),
    ...(args.contact === undefined ? {} : { contactInfo: args.contact }),
  })
  io.out(JSON.stringify(aggregate, null, 2))
  return EXIT.ok
}

async function run(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  const args = parseCommand(argv, FLAGS, ArgsSchema, 'mua-sts reports --help')
  const verb = args.positionals[0]
  if (verb === 'tail') return tail(args, io)
  if (verb === 'export') return exportAggregate(args, io)
  throw new UsageError(`unknown subcommand '${verb}'; see mua-sts reports --help`)
}

export const reportsCommand: Command = {
  name: 'reports',
  summary: 'show the newest reports or export a TLSRPT aggregate from the outbox',
  help: HELP,
  run,
}
