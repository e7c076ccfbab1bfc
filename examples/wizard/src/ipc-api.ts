// The wizard's main-process side, as IPC handlers: `wizard:discover` (→ `wizard:manual` when the user
// types servers in) → `wizard:probe` (progress pushed as events) → `wizard:propose` → `wizard:confirm`
// → `wizard:pins`, and `wizard:cancel` for the Cancel button while a password is being tested.
// Transport-agnostic: Electron wires each handler to ipcMain.handle, the browser demo
// to an HTTP POST (server/http-bridge.ts).
//
// The page only ever holds a session id. Discovery, probe results and the proposal stay here, so a
// compromised renderer cannot feed confirm() a forged observation or a tampered proposal; all it can
// send is an address, servers typed in (labelled `entered_by_user`, probed like any candidate), a
// password (at confirm time only), which confirmation items it ticked, and a reason to replace.
import { randomBytes, randomUUID } from 'node:crypto'
import { type CommitmentStore, ErrorCode, parseOptions, SdkError, toSdkError } from '@mua-sts/core'
import type { ReportDispatcher } from '@mua-sts/reports'
import {
  addManualCandidates,
  type DiscoverOptions,
  type Discovery,
  discover,
  type ProbeOptions,
  type ProbeResult,
  type Proposal,
  probe,
  propose,
} from '@mua-sts/setup'
import type { z } from 'zod'
import { type AccountDirectory, memoryAccountDirectory } from './account-directory.js'
import { runConfirm } from './confirm-step.js'
import {
  ConfirmRequestSchema,
  DiscoverRequestSchema,
  type IpcResult,
  ManualRequestSchema,
  SessionRequestSchema,
  type WizardChannel,
  type WizardEvent,
  type WizardResponses,
} from './ipc-schema.js'
import { type GuardTrust, guardedVerifiers } from './verify.js'
import { discoveryView, pinView, probeEventView, probeRow, proposalView } from './views.js'

export type WizardDeps = {
  /** The durable store confirm() pins into (FileStore on the keychain or on safeStorage in an app). */
  readonly store: CommitmentStore
  /** Trust anchors and dial seam, shared by the probe and the guarded clients so both judge alike. */
  readonly trust?: GuardTrust
  /** Discovery seams (resolver, fetch, dnssec, sources…). */
  readonly discover?: Omit<DiscoverOptions, 'signal'>
  readonly probe?: Pick<ProbeOptions, 'timeoutMs' | 'concurrency' | 'earlyStop'>
  /** Receives the reports of refused credential tests (forward them to the UI and an outbox). */
  readonly reports?: ReportDispatcher
  /**
   * The app's account list: setting an address up again reuses its account, so a provider move meets
   * what is pinned. Default: in memory, for this API's lifetime.
   */
  readonly accounts?: AccountDirectory
  /** Opaque account reference for a new account; never derived from the address. */
  readonly newAccountRef?: () => string
  readonly now?: () => Date
}

/** Pushes an event to the page that made the call (webContents.send, an SSE stream…). */
export type Emit = (event: WizardEvent) => void
export type WizardHandler<K extends WizardChannel> = (
  input: unknown,
  emit: Emit,
) => Promise<IpcResult<WizardResponses[K]>>
export type WizardApi = { readonly [K in WizardChannel]: WizardHandler<K> }

type Session = {
  readonly id: string
  readonly email: string
  readonly account: string
  /** What discovery found; typed-in servers are added to a copy, never to this. */
  readonly discovered: Discovery
  /** What the probe runs on: `discovered` plus the latest typed-in servers. */
  discovery: Discovery
  probing: boolean
  results?: ProbeResult[]
  proposal?: Proposal
  /** The last confirm of `proposal` answered `conflict`: only then may the user ask to replace. */
  conflictShown: boolean
  /** Aborts the running confirm's credential tests (wizard:cancel); undefined when none runs. */
  confirming?: AbortController
}

/** A new probe or proposal invalidates everything decided about the old one. */
function resetDecisions(s: Session): void {
  delete s.results
  delete s.proposal
  s.conflictShown = false
}

/** A wizard is one window and one address at a time; a few sessions are plenty and bound memory. */
const MAX_SESSIONS = 8

function parse<S extends z.ZodType>(schema: S, input: unknown, channel: WizardChannel): z.infer<S> {
  return parseOptions(schema, input, `${channel} request`)
}

const invalid = (message: string): SdkError => new SdkError(ErrorCode.InvalidOption, message)

/** Runs a handler body and folds any throw into the envelope (code + message, never a stack). */
async function envelope<T>(work: () => Promise<T>): Promise<IpcResult<T>> {
  try {
    return { ok: true, value: await work() }
  } catch (error) {
    const e = toSdkError(error)
    return { ok: false, error: { code: e.code, message: e.message.slice(0, 2000) } }
  }
}

/**
 * Builds the seven handlers. Does no I/O until a handler is called; each handler validates its input
 * with zod (MUASTS_ERR_INVALID_OPTION in the envelope) and never throws.
 */
export function createWizardApi(deps: WizardDeps): WizardApi {
  const sessions = new Map<string, Session>()
  const now = deps.now ?? (() => new Date())
  const newAccountRef = deps.newAccountRef ?? (() => `acct_${randomBytes(6).toString('hex')}`)
  const accounts = deps.accounts ?? memoryAccountDirectory()

  const session = (input: unknown, channel: WizardChannel): Session => {
    const { sessionId } = parse(SessionRequestSchema, input, channel)
    const s = sessions.get(sessionId)
    if (s === undefined) throw invalid(`${channel}: unknown or expired session; start again`)
    return s
  }

  return {
    'wizard:discover': (input) =>
      envelope(async () => {
        const { email } = parse(DiscoverRequestSchema, input, 'wizard:discover')
        const discovery = await discover(email, deps.discover ?? {})
        const account = (await accounts.find(email)) ?? newAccountRef()
        const id = randomUUID()
        if (sessions.size >= MAX_SESSIONS) sessions.delete(sessions.keys().next().value as string)
        const s = { id, email, account, discovered: discovery, discovery, probing: false }
        sessions.set(id, { ...s, conflictShown: false })
        return discoveryView(id, discovery)
      }),

    'wizard:manual': (input) =>
      envelope(async () => {
        const { sessionId, servers } = parse(ManualRequestSchema, input, 'wizard:manual')
        const s = session({ sessionId }, 'wizard:manual')
        if (s.probing) throw invalid('wizard:manual: wait until the probe has finished')
        // setup labels each one entered_by_user (needs confirmation) and re-checks the host name.
        s.discovery = addManualCandidates(s.discovered, servers)
        resetDecisions(s)
        return discoveryView(s.id, s.discovery)
      }),

    'wizard:probe': (input, emit) =>
      envelope(async () => {
        const s = session(input, 'wizard:probe')
        if (s.probing) throw invalid('wizard:probe: already probing this session')
        s.probing = true
        try {
          const results = await probe(s.discovery.candidates, {
            ...deps.probe,
            trust: deps.trust?.ca === undefined ? {} : { ca: deps.trust.ca },
            ...(deps.trust?.lookup === undefined ? {} : { lookup: deps.trust.lookup }),
            onProgress: (event) => emit(probeEventView(s.id, event)),
          })
          resetDecisions(s)
          s.results = results
          return { rows: results.map(probeRow) }
        } finally {
          s.probing = false
        }
      }),

    'wizard:propose': (input) =>
      envelope(async () => {
        const s = session(input, 'wizard:propose')
        if (s.results === undefined) throw invalid('wizard:propose: probe first')
        s.proposal = propose(s.discovery, s.results, { account: s.account, now: now() })
        s.conflictShown = false
        return proposalView(s.proposal)
      }),

    'wizard:confirm': (input) =>
      envelope(async () => {
        const request = parse(ConfirmRequestSchema, input, 'wizard:confirm')
        const s = session({ sessionId: request.sessionId }, 'wizard:confirm')
        if (s.proposal === undefined) throw invalid('wizard:confirm: propose first')
        if (s.confirming !== undefined) throw invalid('wizard:confirm: already testing this session')
        const verify = guardedVerifiers({
          user: s.email,
          pass: request.password,
          reports: deps.reports,
          trust: deps.trust,
        })
        const cancel = new AbortController()
        s.confirming = cancel
        let result: Awaited<ReturnType<typeof runConfirm>>
        try {
          result = await runConfirm({
            store: deps.store,
            proposal: s.proposal,
            verify,
            acknowledged: request.acknowledged,
            replace: request.replace,
            conflictShown: s.conflictShown,
            signal: cancel.signal,
          })
        } finally {
          delete s.confirming
        }
        s.conflictShown = result.status === 'conflict'
        if (result.status === 'pinned') await accounts.remember(s.email, s.account)
        return result
      }),

    'wizard:cancel': (input) =>
      envelope(async () => {
        const s = session(input, 'wizard:cancel')
        const running = s.confirming
        // The guarded clients destroy their sockets at once; wizard:confirm then answers `cancelled`.
        running?.abort(new Error('cancelled by the user'))
        return { cancelled: running !== undefined }
      }),

    'wizard:pins': (input) =>
      envelope(async () => {
        const s = session(input, 'wizard:pins')
        return { pins: (await deps.store.list(s.account)).map(pinView) }
      }),
  }
}
