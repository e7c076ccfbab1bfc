// confirm(): the only step of setup that pins anything. RFC 8314 §5.1: credentials are tested only
// over a session that meets the commitment, which is why `verify` receives a store holding exactly
// the commitment about to be pinned and is expected to run the app's guarded client against it.
// Order, each step fail-closed and before any credential leaves the process (#12):
//   1. the proposal must carry its own seal (seal.ts): nothing altered after propose() is pinned;
//   2. what the user must acknowledge is derived here from each chosen candidate's trust label,
//      never read from the proposal's `confirmations` copy;
//   3. an existing commitment is joined with the proposal (conflict.ts) or, with `replace`, set
//      aside by the audited replace ceremony; a conflict is an error, not a silent join;
//   4. every chosen service verifies; only then is anything written (write.ts: checked again on a
//      fresh read first), and what is returned is read back from the store and compared with what
//      was verified, so `pinned` reports exactly what the store holds.
// A proposal is also refused once it is older than `maxAgeMs` or its seal already pinned something
// in this process (proposal-freshness.ts): a sealed copy must not be replayed later.
import {
  type AccountRef,
  type Commitment,
  type CommitmentStore,
  CommitmentStoreSchema,
  ErrorCode,
  type ForgetRequest,
  parseOptions,
  SdkError,
  type Service,
  ServiceSchema,
  toSdkError,
} from '@mua-sts/core'
import { whenAborted } from '@mua-sts/transport'
import { z } from 'zod'
import { confirmationFor } from '../propose/explain.js'
import { type Proposal, ProposalSchema, type ServiceProposal } from '../propose/proposal.js'
import { checkSeal, SealKeySchema } from '../propose/seal.js'
import { commitmentToPin } from './conflict.js'
import {
  checkAge,
  DEFAULT_PROPOSAL_MAX_AGE_MS,
  MAX_PROPOSAL_MAX_AGE_MS,
  processSealLedger,
} from './proposal-freshness.js'
import { StagingStore } from './staging-store.js'
import { writeVerified } from './write.js'

export type VerifyContext = {
  readonly service: Service
  readonly account: AccountRef
  /** The commitment that will be pinned if every test passes (the proposal's, joined with the store's). */
  readonly commitment: Commitment
  /** Temporary store holding the commitments under test; give it to the guarded client. */
  readonly store: CommitmentStore
  /**
   * Aborts when confirm()'s own `signal` does (a wizard's Cancel). Always present, so a verify function
   * can hand it to the guarded client as is (`connectImap({ …, signal })`, `guardedSmtpTransport({ …,
   * signal })`, `connectPop3({ …, signal })`): the hanging connect is torn down at once and rejects with
   * MUASTS_ERR_ABORTED, and confirm() then rejects with MUASTS_ERR_ABORTED and writes nothing.
   */
  readonly signal: AbortSignal
}
/** Tests the user's credentials for one service through a guarded client; rejects on any failure. */
export type VerifyFn = (context: VerifyContext) => Promise<void>

const fn = <T>() => z.custom<T>((v) => typeof v === 'function', 'expected a function')

/** The forget confirmation that turns confirm() into the one-step replace ceremony. */
export const ReplaceRequestSchema = z.strictObject({
  /** Token from `store.requestForget(account[, service])`, shown to and confirmed by the user. */
  confirmation: z.string().min(1).max(256),
  /** Who confirmed (e.g. "user"); stored in the audit record. Never a mail password. */
  actor: z.string().min(1).max(256),
  /** Why, in the user's words (e.g. "provider moved"); stored in the audit record. */
  reason: z.string().min(3).max(1000),
  /** The service passed to requestForget, if one was; omitted means the whole account. */
  service: ServiceSchema.optional(),
})
export type ReplaceRequest = z.input<typeof ReplaceRequestSchema>

export const ConfirmInputSchema = z.strictObject({
  proposal: ProposalSchema,
  /** The durable store the commitments are pinned in. */
  store: CommitmentStoreSchema,
  /** One credential test per chosen service (the app's guarded clients). */
  verify: z.partialRecord(ServiceSchema, fn<VerifyFn>()),
  /** Must be `true`: the user confirmed the proposal in the UI. */
  confirmed: z.boolean().default(false),
  /** Ids of the confirmation items the user acknowledged. */
  acknowledged: z.array(z.string().max(400)).default([]),
  /** Services to pin; default every proposed one. */
  services: z.array(ServiceSchema).min(1).optional(),
  /** Replace what the token covers instead of joining (a provider move); see the README. */
  replace: ReplaceRequestSchema.optional(),
  /** The key given to propose() as `sealKey`, if one was. */
  sealKey: SealKeySchema.optional(),
  /** Oldest proposal accepted, in ms since its `generatedAt` (default one hour, at most 24 hours). */
  maxAgeMs: z.int().min(1).max(MAX_PROPOSAL_MAX_AGE_MS).default(DEFAULT_PROPOSAL_MAX_AGE_MS),
  /** Clock for the age check; for tests. */
  now: fn<() => Date>().optional(),
  /** Cancels confirm(): running credential tests get it through VerifyContext.signal; nothing is written. */
  signal: z.instanceof(AbortSignal).optional(),
})
export type ConfirmInput = z.input<typeof ConfirmInputSchema>
type Parsed = z.output<typeof ConfirmInputSchema>

export type VerifyFailure = {
  readonly service: Service
  /** `MUASTS_ERR_*` code of the failure (e.g. AUTH_FAILED, COMMITMENT_VIOLATED). */
  readonly code: string
  readonly message: string
  /** What the verify function threw, e.g. a CommitmentViolationError with its report. */
  readonly error: unknown
}

export type ConfirmResult =
  | { readonly status: 'pinned'; readonly commitments: readonly Commitment[] }
  | { readonly status: 'not-pinned'; readonly failures: readonly VerifyFailure[] }

// A function, so TypeScript does not narrow `aborted` across the awaits below.
function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true)
    throw new SdkError(ErrorCode.Aborted, 'confirm aborted', { cause: signal.reason })
}

function chosen(proposal: Proposal, services: readonly Service[] | undefined): ServiceProposal[] {
  if (services === undefined) {
    if (proposal.services.length === 0) {
      throw new SdkError(
        ErrorCode.InvalidOption,
        'confirm options.proposal: proposes no service; nothing to pin',
      )
    }
    return proposal.services
  }
  return [...new Set(services)].map((service) => {
    const p = proposal.services.find((s) => s.service === service)
    if (p === undefined)
      throw new SdkError(ErrorCode.InvalidOption, `confirm options.services: ${service} was not proposed`)
    return p
  })
}

// Backstop behind the seal: a proposal must still describe one account and its own candidates.
function assertCoherent(proposal: Proposal, p: ServiceProposal): void {
  const c = p.commitment
  const e = p.candidate
  const o = p.observation
  const same =
    c.account === proposal.account &&
    c.service === p.service &&
    e.service === p.service &&
    o.service === p.service &&
    c.endpoint.host === e.host &&
    c.endpoint.port === e.port &&
    c.endpoint.transport === e.transport &&
    o.endpoint.host === e.host &&
    o.endpoint.port === e.port
  if (!same)
    throw new SdkError(
      ErrorCode.ProposalTampered,
      `confirm options.proposal: the ${p.service} entry is inconsistent`,
    )
}

function requireConfirmation(opts: Parsed, picked: readonly ServiceProposal[]): void {
  if (!opts.confirmed)
    throw new SdkError(
      ErrorCode.ConfirmationRequired,
      'Nothing is pinned until the user confirms the proposal.',
    )
  const open = picked
    .map((p) => confirmationFor(p.candidate, opts.proposal.domain)?.id)
    .filter((id): id is string => id !== undefined && !opts.acknowledged.includes(id))
  if (open.length > 0) {
    throw new SdkError(ErrorCode.ConfirmationRequired, `Not acknowledged by the user: ${open.join(', ')}`, {
      details: { unacknowledged: open },
    })
  }
}

function requireReplaceScope(opts: Parsed, picked: readonly ServiceProposal[]): void {
  if (opts.replace === undefined) return
  if (typeof opts.store.replace !== 'function')
    throw new SdkError(ErrorCode.InvalidOption, 'confirm options.store: has no replace ceremony')
  const scope = opts.replace.service
  if (scope === undefined) return
  const outside = picked.filter((p) => p.service !== scope).map((p) => p.service)
  if (outside.length > 0) {
    throw new SdkError(
      ErrorCode.InvalidOption,
      `confirm options.replace.service: the token covers only ${scope}, not ${outside.join(', ')}`,
    )
  }
}

/** Per chosen service, the commitment to verify and pin (conflict.ts), read before any verify. */
async function targets(opts: Parsed, picked: readonly ServiceProposal[]): Promise<Commitment[]> {
  if (opts.replace !== undefined) return picked.map((p) => p.commitment)
  const out: Commitment[] = []
  for (const p of picked) out.push(commitmentToPin(await opts.store.get(p.commitment.account, p.service), p))
  return out
}

function replaceRequest(opts: Parsed): ForgetRequest | undefined {
  if (opts.replace === undefined) return undefined
  return { ...opts.replace, account: opts.proposal.account, service: opts.replace.service }
}

function now(opts: Parsed): Date {
  const t = opts.now === undefined ? new Date() : opts.now()
  if (!(t instanceof Date) || Number.isNaN(t.getTime()))
    throw new SdkError(ErrorCode.InvalidOption, 'confirm options.now: must return a valid Date')
  return t
}

/**
 * Checks the proposal's seal, the user's acknowledgements and the store, tests credentials for the
 * chosen services against the commitments to pin and, only if every test passes, pins them. Does
 * I/O through `verify` and `store`.
 *
 * @returns `pinned` with the commitments as read back from the store, or `not-pinned` with every
 *   failure (nothing written).
 * @throws SdkError, all before any verify runs unless noted: `MUASTS_ERR_INVALID_OPTION` for
 *   malformed input or a missing verify function; `MUASTS_ERR_PROPOSAL_TAMPERED` when the proposal
 *   is not exactly what propose() sealed, or (`details.reason`) is `'expired'` (older than
 *   `maxAgeMs`) or `'reused'` (its seal already pinned something in this process, or another
 *   confirm() holds it); `MUASTS_ERR_CONFIRMATION_REQUIRED` unless `confirmed` is true and every
 *   confirmation item derived from the chosen candidates is acknowledged;
 *   `MUASTS_ERR_COMMITMENT_CONFLICT` when the store holds a commitment the proposal cannot join
 *   (without `replace`); `MUASTS_ERR_ABORTED` when `signal` fires (also while the credential tests
 *   run: they see it as `VerifyContext.signal`, and nothing is written). After verification:
 *   `MUASTS_ERR_COMMITMENT_CONFLICT` when the store changed meanwhile (found on a fresh read before
 *   writing: nothing written; found on the read-back after writing: `details.held` is what the store
 *   now holds); store errors with their own code (e.g. `MUASTS_ERR_CONFIRMATION_REQUIRED` for a
 *   stale replace token, nothing written; without `replace`, `details.written` / `notWritten` say
 *   which services were written before the failure).
 */
export async function confirm(input: ConfirmInput): Promise<ConfirmResult> {
  const opts = parseOptions(ConfirmInputSchema, input, 'confirm')
  checkSeal(opts.proposal, opts.sealKey)
  const at = now(opts)
  checkAge(opts.proposal.generatedAt, at, opts.maxAgeMs)
  const claim = processSealLedger.claim(opts.proposal.seal, opts.proposal.generatedAt, at)
  try {
    return await confirmClaimed(opts, claim.keep)
  } finally {
    // A no-op once keep() ran: a seal is used up by the first write the store accepted, never by
    // a refusal or a failed credential test (the user may retry those with the same proposal).
    claim.release()
  }
}

async function confirmClaimed(opts: Parsed, onWritten: () => void): Promise<ConfirmResult> {
  const picked = chosen(opts.proposal, opts.services)
  for (const p of picked) assertCoherent(opts.proposal, p)
  requireConfirmation(opts, picked)
  requireReplaceScope(opts, picked)
  const tests = picked.map((p) => {
    const test = opts.verify[p.service]
    if (test === undefined)
      throw new SdkError(ErrorCode.InvalidOption, `confirm options.verify.${p.service}: missing`)
    return { service: p.service, test }
  })
  const signal = opts.signal
  throwIfAborted(signal)
  const pinning = await targets(opts, picked)
  throwIfAborted(signal)
  const staging = new StagingStore(pinning)
  const account = opts.proposal.account
  // The verify functions get a signal of confirm()'s own, linked to the caller's for the tests' duration
  // only: the caller's (maybe long-lived) signal keeps no listener once they settled.
  const tests$ = new AbortController()
  const unlink = whenAborted(signal, (reason) => tests$.abort(reason))
  let settled: PromiseSettledResult<void>[]
  try {
    settled = await Promise.allSettled(
      tests.map(async ({ service, test }, i) =>
        test({
          service,
          account,
          commitment: pinning[i] as Commitment,
          store: staging,
          signal: tests$.signal,
        }),
      ),
    )
  } finally {
    unlink()
  }
  // Cancelled: the tests' failures are the cancel's, not the user's password or the server's; the
  // caller gets MUASTS_ERR_ABORTED and nothing is written.
  throwIfAborted(signal)
  const failures: VerifyFailure[] = []
  settled.forEach((s, i) => {
    if (s.status === 'fulfilled') return
    const service = (tests[i] as (typeof tests)[number]).service
    const e = toSdkError(s.reason)
    failures.push({ service, code: e.code, message: e.message, error: s.reason })
  })
  if (failures.length > 0) return { status: 'not-pinned', failures }
  throwIfAborted(signal)
  const verified = []
  for (const [i, p] of picked.entries()) {
    const c = pinning[i] as Commitment
    verified.push({ proposal: p, commitment: (await staging.get(account, c.service)) ?? c })
  }
  const commitments = await writeVerified({
    store: opts.store,
    account,
    verified,
    replace: replaceRequest(opts),
    onWritten,
  })
  return { status: 'pinned', commitments }
}
