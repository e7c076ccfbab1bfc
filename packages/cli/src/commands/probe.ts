// `mua-sts probe <email>`: discover the account's servers, probe every candidate without credentials,
// and print what would be pinned and why. Never stores anything.

import { AccountRefSchema } from '@mua-sts/core'
import {
  type DiscoverOptions,
  type Discovery,
  discover,
  type ProbeOptions,
  type ProbeResult,
  type Proposal,
  probe,
  propose,
} from '@mua-sts/setup'
import { z } from 'zod'
import { parseCommand } from '../args.js'
import type { Command } from '../command.js'
import { networkFor } from '../discovery-net.js'
import { EXIT, type ExitCode } from '../exit.js'
import type { CliIo } from '../io.js'
import { candidateTable, proposalLines } from '../render/probe-table.js'
import { createProgress } from '../render/progress.js'

const USAGE =
  'mua-sts probe <email> [--json] [--resolver <ip[:port]>] [--timeout <ms>] [--concurrency <n>] [--ca <file>] [--account <ref>]'

const int = (min: number, max: number) =>
  z
    .string()
    .regex(/^[0-9]+$/, 'expected a whole number')
    .transform(Number)
    .pipe(z.int().min(min, `expected at least ${min}`).max(max, `expected at most ${max}`))

const ArgsSchema = z.object({
  positionals: z.array(z.string()).length(1, 'expected exactly one email address'),
  json: z.boolean().default(false),
  resolver: z.string().max(64).optional(),
  timeout: int(100, 600_000).default(5000),
  concurrency: int(1, 64).default(8),
  ca: z.string().min(1).optional(),
  account: AccountRefSchema.default('probe'),
})

const HELP = `Usage: ${USAGE}

Discovers the IMAP, POP3 and SMTP submission servers for <email> (SRV, autoconfig, MX, guesses),
probes each one WITHOUT sending credentials (TLS with full certificate and RFC 7817 name checks,
capabilities, the DEEP/STS advertisement after TLS), and prints the candidates and the proposal:
the endpoint and commitment that setup would pin per service, and what you would have to confirm.
Nothing is stored.

Options:
  --json               Print one JSON document (discovery, probe results, proposal) on stdout.
  --resolver <ip[:port]>  DNSSEC-validating resolver (loopback only, e.g. 127.0.0.1:53). Every DNS
                       query goes to it and to nothing else: SRV and MX (its AD bit marks SRV answers
                       validated), TLSA (DANE), and the A/AAAA lookups of the autoconfig fetches and
                       of the probes. Without it, the system resolver answers and nothing is validated.
  --timeout <ms>       Deadline per discovery source and per probe. Default 5000.
  --concurrency <n>    Probes in flight at once (1-64). Default 8.
  --ca <file>          PEM CA certificates replacing the system roots (private CAs, tests), for the
                       autoconfig fetches and the probes. Checked first: anything else is exit 2.
  --account <ref>      Opaque account reference for the proposed commitments. Default "probe".
  -h, --help           Show this help.

Exit codes: 0 a proposal exists for at least one service; 1 every reachable candidate was
refused (violations found); 2 usage error; 4 nothing could be reached; 130 interrupted.`

function exitFor(proposal: Proposal, results: readonly ProbeResult[]): ExitCode {
  if (proposal.services.length > 0) return EXIT.ok
  return results.some((r) => r.status === 'refused') ? EXIT.refused : EXIT.network
}

function printHuman(
  io: CliIo,
  discovery: Discovery,
  results: readonly ProbeResult[],
  proposal: Proposal,
): void {
  io.out(`Candidates for ${discovery.domain}:`)
  if (results.length === 0) io.out('  (none found)')
  else for (const line of candidateTable(results)) io.out(`  ${line}`)
  if (discovery.errors.length > 0) {
    io.out('')
    io.out('Discovery problems:')
    for (const e of discovery.errors)
      io.out(`  ${e.source} ${e.code}${e.target ? ` ${e.target}` : ''}: ${e.message}`)
  }
  io.out('')
  for (const line of proposalLines(proposal)) io.out(line)
}

async function run(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  const args = parseCommand(argv, FLAGS, ArgsSchema, 'mua-sts probe --help')
  const email = args.positionals[0] as string
  const net = networkFor(args)
  const controller = new AbortController()
  const unsubscribe = io.onInterrupt(() => controller.abort())
  try {
    const discoverOptions: DiscoverOptions = { ...net.discover, signal: controller.signal }
    const discovery = await discover(email, discoverOptions)
    const showProgress = !args.json || io.stderrIsTty
    const progress = showProgress ? createProgress(io) : undefined
    const probeOptions: ProbeOptions = {
      signal: controller.signal,
      concurrency: args.concurrency,
      timeoutMs: args.timeout,
      trust: net.trust,
      ...(progress === undefined ? {} : { onProgress: progress.onEvent }),
      // The same validating resolver answers TLSA (RFC 6698): a candidate whose records match is shown
      // DANE-validated, and propose() may offer a DANE requirement for it.
      ...(args.resolver === undefined ? {} : { dane: { address: args.resolver } }),
    }
    let results: ProbeResult[]
    try {
      results = await probe(discovery.candidates, probeOptions)
    } finally {
      progress?.stop()
    }
    const proposal = propose(discovery, results, {
      account: args.account,
      now: new Date(),
      daneResolver: args.resolver !== undefined,
    })
    const code = exitFor(proposal, results)
    if (args.json)
      io.out(
        JSON.stringify({ domain: discovery.domain, discovery, results, proposal, exitCode: code }, null, 2),
      )
    else printHuman(io, discovery, results, proposal)
    return code
  } finally {
    unsubscribe()
  }
}

const FLAGS = {
  json: { type: 'boolean' },
  resolver: { type: 'string' },
  timeout: { type: 'string' },
  concurrency: { type: 'string' },
  ca: { type: 'string' },
  account: { type: 'string' },
} as const

export const probeCommand: Command = {
  name: 'probe',
  summary: 'discover and probe the servers for an address, and show what setup would pin',
  help: HELP,
  run,
}
