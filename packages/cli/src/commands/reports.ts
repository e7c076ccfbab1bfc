// `mua-sts reports tail | records | export`: read the JSONL report outbox an app writes, and the
// opt-in security-record log beside it (<outbox>/records, issue #14) (@mua-sts/reports). Read only:
// nothing is delivered, trimmed or rotated from here.
import { randomUUID } from 'node:crypto'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { Report, SecurityRecord } from '@mua-sts/core'
import { buildTlsrptReport, JsonlOutbox, JsonlRecordLog } from '@mua-sts/reports'
import { z } from 'zod'
import { parseCommand } from '../args.js'
import type { Command } from '../command.js'
import { EXIT, type ExitCode, UsageError } from '../exit.js'
import type { CliIo } from '../io.js'
import { table } from '../render/table.js'

const USAGE =
  'mua-sts reports tail|records [-n <count>] [--json] --outbox <dir> | reports export --from <time> --to <time> [--org <name>] [--contact <text>] --outbox <dir>'

const HELP = `Usage: ${USAGE}

  tail                 The newest reports in the outbox (default 20), oldest first.
  records              The newest security records (one per checked connection, passed or
                       refused: TLS version, cipher, group, certificate, DANE, latches) from
                       <outbox>/records, which the app keeps only if it opted in.
  export               An RFC 8460 (TLSRPT)-shaped aggregate of the reports generated in
                       [--from, --to), as JSON on stdout; successful sessions are counted from
                       the security records when <outbox>/records exists.

Options:
  --outbox <dir>       The app's report outbox directory (or set MUA_STS_OUTBOX).
  -n, --count <n>      How many reports tail prints (1-10000). Default 20.
  --json               tail/records: one JSON object per line (JSONL) instead of a table.
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
  positionals: z.array(z.string()).length(1, 'expected tail, records or export'),
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

/** The record log beside the outbox, or undefined when the app never opted in (no directory). */
function openRecords(outbox: JsonlOutbox): JsonlRecordLog | undefined {
  const dir = join(outbox.dir, 'records')
  return existsSync(dir) ? new JsonlRecordLog({ dir }) : undefined
}

function recordRow(r: SecurityRecord): string[] {
  return [
    r.recordedAt,
    r.service,
    `${r.endpoint.host}:${r.endpoint.port}`,
    r.outcome,
    r.tls === undefined
      ? '-'
      : `${r.tls.version} ${r.tls.cipher}${r.tls.group === undefined ? '' : ` ${r.tls.group}`}`,
    r.dane.status,
    r.checked.latches.join(',') || '-',
  ]
}

function records(args: Args, io: CliIo): ExitCode {
  const log = openRecords(openOutbox(args, io))
  const { records: all, skipped } = log?.read() ?? { records: [], skipped: 0 }
  const last = all.slice(-args.count)
  if (args.json) for (const r of last) io.out(JSON.stringify(r))
  else if (last.length === 0)
    io.out('No security records: the app keeps them only when it adds a JsonlRecordLog record sink.')
  else
    for (const line of table(
      ['RECORDED', 'SERVICE', 'ENDPOINT', 'OUTCOME', 'TLS', 'DANE', 'LATCHES'],
      last.map(recordRow),
    ))
      io.out(line)
  if (skipped > 0) io.err(`mua-sts reports: skipped ${skipped} damaged line(s) in the record log`)
  return EXIT.ok
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
  const aggregate = buildTlsrptReport(
    outbox.read().reports,
    {
      from: args.from,
      to: args.to,
      reportId: `mua-sts-${randomUUID()}`,
      ...(args.org === undefined ? {} : { organizationName: args.org }),
      ...(args.contact === undefined ? {} : { contactInfo: args.contact }),
    },
    openRecords(outbox)?.read().records ?? [],
  )
  io.out(JSON.stringify(aggregate, null, 2))
  return EXIT.ok
}

async function run(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  const args = parseCommand(argv, FLAGS, ArgsSchema, 'mua-sts reports --help')
  const verb = args.positionals[0]
  if (verb === 'tail') return tail(args, io)
  if (verb === 'records') return records(args, io)
  if (verb === 'export') return exportAggregate(args, io)
  throw new UsageError(`unknown subcommand '${verb}'; see mua-sts reports --help`)
}

export const reportsCommand: Command = {
  name: 'reports',
  summary: 'show the newest reports or security records, or export a TLSRPT aggregate from the outbox',
  help: HELP,
  run,
}
