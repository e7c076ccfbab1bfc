// `mua-sts setup <email>`: discover → probe (live progress) → propose → confirm each item → password →
// credential test through the guarded clients → pin through confirm() (@mua-sts/setup). Nothing is
// pinned unless every chosen service logged in over a session that met the proposal (RFC 8314 §5.1).
// Flags, help and input checks are in setup/args.ts; the provider-move ceremony in setup/provider-move.ts.
import { type Commitment, ErrorCode, isSdkError } from '@mua-sts/core'
import {
  type ConfirmInput,
  type ConfirmResult,
  confirm,
  discover,
  type ProbeResult,
  type Proposal,
  probe,
  propose,
} from '@mua-sts/setup'
import type { FileStore } from '@mua-sts/store'
import { parseCommand } from '../args.js'
import type { Command } from '../command.js'
import { type Net, networkFor } from '../discovery-net.js'
import { EXIT, type ExitCode } from '../exit.js'
import type { CliIo } from '../io.js'
import { createProgress } from '../render/progress.js'
import {
  checkSetupArgs,
  defaultAccountRef,
  SETUP_FLAGS,
  SETUP_HELP,
  type SetupArgs,
  SetupArgsSchema,
} from '../setup/args.js'
import { type ExplainedFailure, exitForFailures, explainFailure } from '../setup/failures.js'
import { decideProviderMove } from '../setup/provider-move.js'
import { pinnedLines, setupProposalLines } from '../setup/render.js'
import { guardedVerifiers } from '../setup/verifiers.js'
import { openOrCreateStore } from '../store-open.js'

type Outcome = {
  readonly exitCode: ExitCode
  readonly proposal?: Proposal
  readonly acknowledged?: readonly string[]
  readonly pinned?: readonly Commitment[]
  readonly failures?: readonly ExplainedFailure[]
  readonly replaced?: { readonly removed: readonly Commitment[]; readonly reason: string }
  readonly message: string
}

const yes = (answer: string): boolean => /^y(es)?$/i.test(answer.trim())

async function discoverAndPropose(
  email: string,
  account: string,
  args: SetupArgs,
  net: Net,
  io: CliIo,
  signal: AbortSignal,
): Promise<{ proposal: Proposal; results: ProbeResult[] }> {
  io.err(`Looking up the mail servers of ${email.slice(email.lastIndexOf('@') + 1)}…`)
  const discovery = await discover(email, { ...net.discover, signal })
  io.err(`Found ${discovery.candidates.length} candidate(s); checking each without sending credentials:`)
  const progress = createProgress(io)
  let results: ProbeResult[]
  try {
    results = await probe(discovery.candidates, {
      signal,
      concurrency: args.concurrency,
      timeoutMs: args.timeout,
      onProgress: progress.onEvent,
      trust: net.trust,
    })
  } finally {
    progress.stop()
  }
  const pinning = args['backup-pin'] === undefined ? {} : { spkiPinning: { backup: args['backup-pin'] } }
  return { proposal: propose(discovery, results, { account, now: new Date(), ...pinning }), results }
}

/** Every confirmation item (y/N each, or --yes), then the whole proposal. Undefined when declined. */
async function acknowledge(proposal: Proposal, args: SetupArgs, io: CliIo): Promise<string[] | undefined> {
  const picked = proposal.services.filter(
    (s) => args.service === undefined || args.service.includes(s.service),
  )
  const items = picked.flatMap((s) => s.confirmations)
  const acknowledged: string[] = []
  for (const item of items) {
    io.err(`Needs your confirmation: ${item.message}`)
    if (args.yes) {
      // --yes confirms the proposal, never an untrusted finding: that needs the item's own id.
      if (!args.accept.includes(item.id)) {
        io.err(`  not acknowledged: pass --accept ${item.id} to pin it anyway`)
        return undefined
      }
      io.err(`  acknowledged by --accept (${item.id})`)
    } else if (!yes(await io.prompt('  Confirm? [y/N] '))) return undefined
    acknowledged.push(item.id)
  }
  if (
    !args.yes &&
    !yes(await io.prompt(`Pin ${picked.length} commitment(s) for ${proposal.account}? [y/N] `))
  )
    return undefined
  return acknowledged
}

async function readPassword(args: SetupArgs, user: string, io: CliIo): Promise<string> {
  // On a terminal, "stdin" is the keyboard: read it hidden rather than echo what is typed.
  if (args['password-stdin'] && !io.stdinIsTty) return io.readStdinLine('password')
  return io.promptSecret(`Password for ${user} (not shown): `, 'password')
}

async function pin(p: {
  proposal: Proposal
  acknowledged: string[]
  store: FileStore
  args: SetupArgs
  net: Net
  pass: string
  user: string
  io: CliIo
  signal: AbortSignal
}): Promise<Outcome> {
  const base: ConfirmInput = {
    proposal: p.proposal,
    store: p.store,
    verify: guardedVerifiers({ user: p.user, pass: p.pass, trust: p.net.trust }),
    confirmed: true,
    acknowledged: p.acknowledged,
    signal: p.signal,
    ...(p.args.service === undefined ? {} : { services: p.args.service }),
  }
  p.io.err('Testing the password through the guarded clients…')
  let result: ConfirmResult
  let replaced: Outcome['replaced']
  try {
    result = await confirm(base)
  } catch (error) {
    if (!isSdkError(error, ErrorCode.CommitmentConflict)) throw error
    const decision = await decideProviderMove({
      conflict: error,
      account: p.proposal.account,
      store: p.store,
      io: p.io,
      flags: p.args,
    })
    if (!decision.replace)
      return {
        exitCode: EXIT.refused,
        proposal: p.proposal,
        message: `${error.message} ${decision.why}; nothing was pinned.`,
      }
    const withReplace: ConfirmInput = { ...base, replace: decision.replacement }
    result = await confirm(withReplace)
    replaced = { removed: decision.removed, reason: decision.replacement.reason }
  }
  if (result.status === 'pinned')
    return {
      exitCode: EXIT.ok,
      proposal: p.proposal,
      acknowledged: p.acknowledged,
      pinned: result.commitments,
      ...(replaced === undefined ? {} : { replaced }),
      message: pinnedLines(p.proposal.account, result.commitments).join('\n'),
    }
  const failures = result.failures.map(explainFailure)
  return {
    exitCode: exitForFailures(failures),
    proposal: p.proposal,
    acknowledged: p.acknowledged,
    failures,
    message: ['Nothing was pinned.', ...failures.map((f) => `  ${f.message} (${f.detail}; ${f.code})`)].join(
      '\n',
    ),
  }
}

async function setup(args: SetupArgs, io: CliIo, signal: AbortSignal): Promise<Outcome> {
  const email = args.positionals[0] as string
  const account = args.account ?? defaultAccountRef(email)
  const user = args.user ?? email
  const net = networkFor(args)
  // The store (and its keychain) first, so a locked keychain fails before any prompt or packet.
  const store = await openOrCreateStore(args, io)
  // Read a piped password before the network work, so the writer is never left blocking on a pipe.
  const piped = args['password-stdin'] && !io.stdinIsTty ? await io.readStdinLine('password') : undefined
  const { proposal, results } = await discoverAndPropose(email, account, args, net, io, signal)
  const show = args.json ? io.err : io.out
  for (const line of setupProposalLines(proposal)) show(line)
  if (proposal.services.length === 0) {
    const reached = results.some((r) => r.status === 'refused')
    return { exitCode: reached ? EXIT.refused : EXIT.network, proposal, message: 'Nothing was pinned.' }
  }
  const acknowledged = await acknowledge(proposal, args, io)
  if (acknowledged === undefined)
    return { exitCode: EXIT.refused, proposal, message: 'Not confirmed; nothing was pinned.' }
  const pass = piped ?? (await readPassword(args, user, io))
  return pin({ proposal, acknowledged, store, args, net, pass, user, io, signal })
}

async function run(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  const args = parseCommand(argv, SETUP_FLAGS, SetupArgsSchema, 'mua-sts setup --help')
  checkSetupArgs(args, io.stdinIsTty)
  const controller = new AbortController()
  const unsubscribe = io.onInterrupt(() => controller.abort())
  try {
    const outcome = await setup(args, io, controller.signal)
    if (args.json) {
      io.err(outcome.message)
      io.out(
        JSON.stringify(
          {
            account: outcome.proposal?.account,
            status: outcome.pinned === undefined ? 'not-pinned' : 'pinned',
            proposal: outcome.proposal,
            acknowledged: outcome.acknowledged ?? [],
            pinned: outcome.pinned ?? [],
            failures: outcome.failures ?? [],
            ...(outcome.replaced === undefined ? {} : { replaced: outcome.replaced }),
            exitCode: outcome.exitCode,
          },
          null,
          2,
        ),
      )
    } else (outcome.exitCode === EXIT.ok ? io.out : io.err)(outcome.message)
    return outcome.exitCode
  } finally {
    unsubscribe()
  }
}

export const setupCommand: Command = {
  name: 'setup',
  summary: 'set up an account: discover, probe, confirm, test the password through the guards, pin',
  help: SETUP_HELP,
  run,
}
