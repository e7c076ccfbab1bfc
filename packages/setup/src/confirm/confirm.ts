// confirm(): the only step of setup that pins anything. RFC 8314 §5.1: credentials are tested only
// over a session that meets the proposed commitment, which is why `verify` receives a store holding
// exactly that commitment and is expected to run the app's guarded client against it. Only after the
// user confirmed, acknowledged every confirmation item, and every chosen service verified, are the
// commitments written through the real store (a join: it never weakens what is already there).
import {
  type AccountRef,
  type Commitment,
  type CommitmentStore,
  CommitmentStoreSchema,
  ErrorCode,
  parseOptions,
  SdkError,
  type Service,
  ServiceSchema,
  toSdkError,
} from '@mua-sts/core'
import { z } from 'zod'
import { type Proposal, ProposalSchema, type ServiceProposal } from '../propose/proposal.js'
import { StagingStore } from './staging-store.js'

export type VerifyContext = {
  readonly service: Service
  readonly account: AccountRef
  /** The proposed commitment for this service. */
  readonly commitment: Commitment
  /** Temporary store holding the proposed commitments; give it to the guarded client. */
  readonly store: CommitmentStore
  readonly signal: AbortSignal | undefined
}
/** Tests the user's credentials for one service through a guarded client; rejects on any failure. */
export type VerifyFn = (context: VerifyContext) => Promise<void>

const fn = <T>() => z.custom<T>((v) => typeof v === 'function', 'expected a function')
const StoreShape = CommitmentStoreSchema

export const ConfirmInputSchema = z.strictObject({
  proposal: ProposalSchema,
  /** The durable store the commitments are pinned in. */
  store: StoreShape,
  /** One credential test per chosen service (the app's guarded clients). */
  verify: z.partialRecord(ServiceSchema, fn<VerifyFn>()),
  /** Must be `true`: the user confirmed the proposal in the UI. */
  confirmed: z.boolean().default(false),
  /** Ids of the confirmation items the user acknowledged. */
  acknowledged: z.array(z.string().max(400)).default([]),
  /** Services to pin; default every proposed one. */
  services: z.array(ServiceSchema).min(1).optional(),
  signal: z.instanceof(AbortSignal).optional(),
})
export type ConfirmInput = z.input<typeof ConfirmInputSchema>

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

// A proposal that came back from a UI must still describe one account and its own candidates.
function assertCoherent(proposal: Proposal, p: ServiceProposal): void {
  const c = p.commitment
  const e = p.candidate
  const same =
    c.account === proposal.account &&
    c.service === p.service &&
    e.service === p.service &&
    c.endpoint.host === e.host &&
    c.endpoint.port === e.port &&
    c.endpoint.transport === e.transport
  if (!same)
    throw new SdkError(
      ErrorCode.InvalidOption,
      `confirm options.proposal: the ${p.service} entry is inconsistent`,
    )
}

function requireConfirmation(
  confirmed: boolean,
  picked: readonly ServiceProposal[],
  acknowledged: readonly string[],
): void {
  if (!confirmed)
    throw new SdkError(
      ErrorCode.ConfirmationRequired,
      'Nothing is pinned until the user confirms the proposal.',
    )
  const open = picked
    .flatMap((p) => p.confirmations.map((c) => c.id))
    .filter((id) => !acknowledged.includes(id))
  if (open.length > 0) {
    throw new SdkError(ErrorCode.ConfirmationRequired, `Not acknowledged by the user: ${open.join(', ')}`, {
      details: { unacknowledged: open },
    })
  }
}

/**
 * Tests credentials for the chosen services against the proposed commitments and, only if every
 * test passes, pins them in `store`. Does I/O through `verify` and `store`.
 *
 * @returns `pinned` with what the store now holds, or `not-pinned` with every failure (nothing written).
 * @throws SdkError `MUASTS_ERR_CONFIRMATION_REQUIRED` unless `confirmed` is true and every confirmation
 *   item of the chosen services is acknowledged (checked before any verify runs);
 *   `MUASTS_ERR_INVALID_OPTION` for malformed input or a missing verify function;
 *   `MUASTS_ERR_ABORTED` when `signal` fires; store errors as the store throws them (services already
 *   written stay written: they were verified).
 */
export async function confirm(input: ConfirmInput): Promise<ConfirmResult> {
  const opts = parseOptions(ConfirmInputSchema, input, 'confirm')
  const picked = chosen(opts.proposal, opts.services)
  for (const p of picked) assertCoherent(opts.proposal, p)
  requireConfirmation(opts.confirmed, picked, opts.acknowledged)
  const tests = picked.map((p) => {
    const test = opts.verify[p.service]
    if (test === undefined)
      throw new SdkError(ErrorCode.InvalidOption, `confirm options.verify.${p.service}: missing`)
    return { p, test }
  })
  const signal = opts.signal
  throwIfAborted(signal)
  const staging = new StagingStore(picked.map((p) => p.commitment))
  const account = opts.proposal.account
  const settled = await Promise.allSettled(
    tests.map(({ p, test }) =>
      test({ service: p.service, account, commitment: p.commitment, store: staging, signal }),
    ),
  )
  const failures: VerifyFailure[] = []
  settled.forEach((s, i) => {
    if (s.status === 'fulfilled') return
    const service = (tests[i] as (typeof tests)[number]).p.service
    const e = toSdkError(s.reason)
    failures.push({ service, code: e.code, message: e.message, error: s.reason })
  })
  if (failures.length > 0) return { status: 'not-pinned', failures }
  throwIfAborted(signal)
  const commitments: Commitment[] = []
  for (const { p } of tests) {
    const staged = (await staging.get(account, p.service)) ?? p.commitment
    commitments.push(await opts.store.strengthen(staged))
  }
  return { status: 'pinned', commitments }
}
