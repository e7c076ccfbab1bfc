// The gate every guarded client runs (house style H17): load the commitment → observe → evaluate →
// either continue (and learn) or emit the report synchronously and throw. Protocol adapters own the
// wire; this file owns the decision and the bookkeeping around it.
import { randomUUID } from 'node:crypto'
import {
  type BuildSecurityRecordInput,
  buildConnectionErrorReport,
  buildFailureInBand,
  buildInBand,
  buildReport,
  type ClientIdentity,
  type Commitment,
  CommitmentViolationError,
  type ConnectionErrorReport,
  type ConnectPhase,
  DEFAULT_IN_BAND_MODE,
  ErrorCode,
  evaluate,
  type InBand,
  type InBandMode,
  isSdkError,
  type Observation,
  parseOptions,
  type Report,
  requiresDane,
  SdkError,
  type Service,
  safeToken,
  strengthen,
  type Violation,
  type ViolationAction,
  type ViolationCode,
} from '@mua-sts/core'
import { validatingResolver } from '@mua-sts/dane'
import type { CheckPassed, CheckResult, DeferredRefusal } from './check-result.js'
import { type GuardOptions, GuardOptionsSchema, guardOptionsFromParsed } from './guard-options.js'
import { observePreTls, type SessionFacts } from './observe.js'
import {
  passedWithRecord,
  recordHandshakeLeaf,
  recordNow,
  rememberSocketFacts,
  socketFacts,
} from './security-record.js'
import { createTlsParams, type DaneConfig, type TlsParams } from './tls-params.js'
import { markPassed } from './tripwire.js'
import { SDK_VERSION } from './version.js'

export type { CheckPassed, CheckResult, DeferredRefusal }

// DEEP -04 §7: IMAP reports in ID and SMTP in CLIENT; POP3 has no client-to-server reporting (§7.2).
const IN_BAND_SERVICES: ReadonlySet<Service> = new Set(['imap', 'submission'])
// Adapters whose refusal path reports a certificate failure over the session in mode 'spec'.
const SPEC_COMPLETES_HANDSHAKE: ReadonlySet<Service> = new Set(['imap', 'submission'])

const STORE_VIOLATIONS: Partial<Record<string, ViolationCode>> = {
  [ErrorCode.StoreCorrupt]: 'store_corrupt',
  [ErrorCode.StoreRollback]: 'store_rollback',
  [ErrorCode.KeychainUnavailable]: 'keychain_unavailable',
}

export class Guard {
  readonly options: GuardOptions
  readonly service: Service
  readonly #pkg: string

  readonly #dane: DaneConfig | undefined

  constructor(options: unknown, service: Service, pkg: string) {
    this.options = guardOptionsFromParsed(options) ?? parseOptions(GuardOptionsSchema, options, pkg)
    this.service = service
    this.#pkg = pkg
    const dane = this.options.dane
    this.#dane =
      dane === undefined ? undefined : { resolver: validatingResolver(dane), now: () => this.#now() }
  }

  /** When a refused connection may tell the server why (GuardOptions `inBand`). */
  get inBandMode(): InBandMode {
    return this.options.inBand ?? DEFAULT_IN_BAND_MODE
  }

  /** Whether this guard can check DANE (a validating resolver is configured). */
  get daneCapable(): boolean {
    return this.#dane !== undefined
  }

  #now(): Date {
    return this.options.now?.() ?? new Date()
  }

  /**
   * The commitment to enforce. Store integrity failures are themselves reported and rethrown
   * (fail closed: nothing is re-pinned from scratch). No commitment → MUASTS_ERR_NO_COMMITMENT.
   */
  async commitment(): Promise<Commitment> {
    let c: Commitment | undefined
    try {
      c = await this.options.store.get(this.options.account, this.service)
    } catch (error) {
      const code = isSdkError(error) ? STORE_VIOLATIONS[error.code] : undefined
      if (code !== undefined && isSdkError(error)) this.#reportStoreFailure(code, error)
      throw error
    }
    if (c === undefined) {
      throw new SdkError(
        ErrorCode.NoCommitment,
        `No commitment for ${this.options.account}/${this.service}; run setup first.`,
      )
    }
    return c
  }

  /**
   * TLS options for one connection. With a validating resolver configured this also starts the TLSA
   * lookup (DNS I/O); the adapter awaits `daneReady(params.dane, socket)` after the handshake.
   */
  tlsParams(c: Commitment): TlsParams {
    const params = createTlsParams(c, this.options.trust ?? {}, this.#dane)
    // The security record reads the leaf's issuer from the object the handshake already built.
    recordHandshakeLeaf(params)
    // --- issue #14: in-band mode 'spec' ---
    // DEEP -04 §7.1 Example 2 reports a certificate failure over the TLS session itself, so that session
    // must come up: certificate errors are then judged by check() (chainTrusted/nameMatch from the live
    // socket) instead of aborting the handshake. The refusal is the same; only adapters that report in
    // band ask for it (IMAP and SMTP submission; POP3 has no in-band channel).
    if (this.inBandMode === 'spec' && SPEC_COMPLETES_HANDSHAKE.has(this.service))
      params.options.rejectUnauthorized = false
    // --- end issue #14 ---
    return params
  }

  /**
   * Evaluates and, on violation, builds the report and dispatches it synchronously (before the caller
   * rejects). On success marks `socket` as passed for the tripwire. Never throws. `channel.inBand: false`
   * says the adapter has no way to report in band on this session (e.g. an SMTP server whose post-TLS
   * EHLO lists neither DEEP nor MSTS), so the report never claims an in-band message that is not sent.
   */
  check(
    c: Commitment,
    observation: Observation,
    socket: object | undefined,
    channel: { readonly inBand?: boolean; readonly interim?: boolean } = {},
  ): CheckResult {
    const verdict = evaluate(c, observation)
    // `interim`: an early checkpoint that a full check follows (POP3 checks right after the handshake and
    // again after CAPA); its pass emits no record, so each connection has exactly one.
    if (verdict.outcome === 'ok') return this.#passed(c, observation, socket, channel.interim !== true)
    const { reportId, record } = this.#refused(c, observation, socket)
    const inBand = this.#failureInBand(c, observation, channel)
    const report = this.#emit(verdict.violations, 'blocked_before_auth', c, observation, inBand, reportId)
    return { ok: false, report, error: new CommitmentViolationError(report), inBand, record }
  }

  /**
   * check() for adapters that send the in-band failure themselves: on refusal nothing is dispatched
   * until `complete(sent)` says what was actually written to the socket, so the report never claims an
   * in-band message that was not sent (issue #14). The adapter must call `complete` before it rejects.
   */
  checkDeferred(
    c: Commitment,
    observation: Observation,
    socket: object | undefined,
    channel: { readonly inBand?: boolean } = {},
  ): CheckPassed | DeferredRefusal {
    const verdict = evaluate(c, observation)
    if (verdict.outcome === 'ok') return this.#passed(c, observation, socket)
    const { reportId, record } = this.#refused(c, observation, socket)
    const inBand = this.#failureInBand(c, observation, channel)
    let error: CommitmentViolationError | undefined
    return {
      ok: false,
      inBand,
      record,
      complete: (sent) => {
        if (error === undefined) {
          const report = this.#emit(verdict.violations, 'blocked_before_auth', c, observation, sent, reportId)
          error = new CommitmentViolationError(report)
        }
        return error
      },
    }
  }

  /**
   * The failure message a refused session with this observation may send (see buildFailureInBand), or
   * null. Pure apart from reading the options: lets an adapter decide, before any post-TLS byte, whether
   * anything at all may cross a failing session (an SPKI pin alone: nothing).
   */
  failureInBandFor(c: Commitment, observation: Observation): InBand | null {
    return this.#failureInBand(c, observation, {})
  }

  #passed(c: Commitment, observation: Observation, socket: object | undefined, record = true): CheckPassed {
    if (socket !== undefined) markPassed(socket)
    if (!record) {
      // An interim pass: the full check that follows records the connection (see rememberSocketFacts,
      // which ignores anything but a live TLS socket, `undefined` included).
      rememberSocketFacts(socket)
      return { ok: true }
    }
    return passedWithRecord(this.#recordInput(c, observation, socket, 'passed'), this.options.reports)
  }

  #failureInBand(c: Commitment, o: Observation, channel: { readonly inBand?: boolean }): InBand | null {
    if (!IN_BAND_SERVICES.has(this.service) || channel.inBand === false) return null
    return buildFailureInBand(
      this.inBandMode,
      { commitment: c, client: this.#client(), daneSupported: this.daneCapable },
      o,
    )
  }

  /** A refused check's report id, and its security record, built and delivered at once. */
  #refused(c: Commitment, o: Observation, socket: object | undefined) {
    const reportId = this.#reportId()
    const input = this.#recordInput(c, o, socket, 'refused', reportId)
    return { reportId, record: recordNow(input, this.options.reports) }
  }

  /**
   * What the connection's security record (issue #14) says, taken now: the socket's facts while it is
   * open, the time, the id. security-record.ts builds and delivers it.
   */
  #recordInput(
    c: Commitment,
    o: Observation,
    socket: object | undefined,
    outcome: 'passed' | 'refused',
    reportId?: string,
  ): BuildSecurityRecordInput {
    return {
      // Not from the newReportId seam: a record per passing connection must not shift report ids.
      recordId: randomUUID(),
      now: this.#now().toISOString(),
      account: this.options.account,
      service: this.service,
      commitment: c,
      observation: o,
      outcome,
      reportId,
      socket: socketFacts(socket),
      sdk: { package: this.#pkg, version: SDK_VERSION },
    }
  }

  /**
   * A connection that failed before any check could run (refused, reset, closed before protocol data,
   * a TCP connect timeout): a connection error, not a violation (issue #13 item 3). Dispatches a
   * `connection_error` report and returns the coded error to throw (MUASTS_ERR_CONNECTION, or
   * MUASTS_ERR_TIMEOUT when `error` is one), with `details.phase`, `details.reportId` and a
   * non-enumerable `.report`. Never throws.
   */
  connectionFailed(input: {
    readonly phase: ConnectPhase
    readonly error: unknown
    readonly commitment?: Commitment | undefined
  }): SdkError & { readonly report: ConnectionErrorReport } {
    const { phase, error, commitment } = input
    const timeout = isSdkError(error, ErrorCode.Timeout)
    const sysCode = (error as { code?: unknown } | null | undefined)?.code
    const cause =
      !isSdkError(error) && typeof sysCode === 'string' ? safeToken(sysCode, '') || undefined : undefined
    const report = buildConnectionErrorReport({
      reportId: this.#reportId(),
      now: this.#now().toISOString(),
      account: this.options.account,
      service: this.service,
      endpoint: commitment?.endpoint ?? { host: 'unknown', port: 1 },
      failure: {
        phase,
        code: timeout ? ErrorCode.Timeout : ErrorCode.Connection,
        ...(cause === undefined ? {} : { cause }),
      },
      commitment,
      sdk: { package: this.#pkg, version: SDK_VERSION },
    })
    this.#dispatch(report)
    const out = timeout
      ? (error as SdkError)
      : new SdkError(
          ErrorCode.Connection,
          `${this.service} ${report.endpoint.host}:${report.endpoint.port}: connection failed during ${phase}${cause === undefined ? '' : ` (${cause})`}.`,
          {
            cause: error,
            details: { phase, reportId: report.reportId, ...(cause === undefined ? {} : { cause }) },
          },
        )
    Object.defineProperty(out, 'report', { value: report, enumerable: false, configurable: true })
    return out as SdkError & { readonly report: ConnectionErrorReport }
  }

  /**
   * The connect deadline fired before TLS on a committed endpoint, after the server had sent protocol
   * data (a silent or trickling server): reported as `stalled_before_tls`, because it is what a
   * stripping attacker does once stripping is detected. Returns `timeout` (MUASTS_ERR_TIMEOUT with
   * `details.phase`) carrying a non-enumerable `.report`. Never throws.
   */
  stalledBeforeTls(
    c: Commitment,
    facts: SessionFacts,
    timeout: SdkError,
  ): SdkError & { readonly report: Report } {
    const anomalies = [...(facts.anomalies ?? []), 'stalled_before_tls' as const]
    const o = observePreTls({ ...facts, transport: 'plaintext', anomalies })
    const r = this.check(c, o, undefined)
    if (!r.ok)
      Object.defineProperty(timeout, 'report', { value: r.report, enumerable: false, configurable: true })
    return timeout as SdkError & { readonly report: Report }
  }

  /**
   * Learns from a compliant, authenticated session and persists only if something new was learned.
   * Throws `MUASTS_ERR_DANE_UNAVAILABLE` (and writes nothing) when what was learned would newly require
   * DANE while this guard has no validating resolver: such a commitment could never be met (#15).
   */
  async learn(c: Commitment, observation: Observation): Promise<Commitment> {
    const r = strengthen(c, observation, this.#now().toISOString())
    if (r.learned.length === 0) return c
    if (this.#dane === undefined && requiresDane(r.commitment) && !requiresDane(c)) {
      throw new SdkError(ErrorCode.DaneUnavailable, undefined, {
        details: { account: this.options.account, service: this.service, learned: [...r.learned] },
      })
    }
    return this.options.store.strengthen(r.commitment)
  }

  /** The in-band data for a normal (passing) session: latch / security-tags in ID or CLIENT. */
  inBandFor(c: Commitment): InBand {
    return buildInBand({ commitment: c, client: this.#client(), daneSupported: this.daneCapable })
  }

  /** Defaults to the SDK's own name; `client: null` in the options switches it off (DEEP -04 §12). */
  #client(): ClientIdentity {
    const c = this.options.client
    return c === null ? null : (c ?? { name: 'mua-sts', version: SDK_VERSION })
  }

  #emit(
    violations: readonly Violation[],
    action: ViolationAction,
    c?: Commitment,
    o?: Observation,
    inBand: InBand | null = null,
    reportId: string = this.#reportId(),
  ): Report {
    const report = buildReport({
      reportId,
      now: this.#now().toISOString(),
      account: this.options.account,
      service: this.service,
      endpoint: c?.endpoint ?? o?.endpoint ?? { host: 'unknown', port: 1 },
      violations,
      action,
      commitment: c,
      observation: o,
      inBand,
      sdk: { package: this.#pkg, version: SDK_VERSION },
    })
    this.#dispatch(report)
    return report
  }

  #reportId(): string {
    return this.options.newReportId?.() ?? randomUUID()
  }

  // Called from socket 'data'/'error' listeners: a throwing app sink must neither crash the host process
  // nor undo the refusal, so the throw is contained and surfaced as a process warning.
  #dispatch(report: Report): void {
    try {
      this.options.reports?.dispatch(report)
    } catch (error) {
      process.emitWarning(
        `mua-sts: report sink threw while recording ${report.reportId}: ${String(error)}`,
        'MuaStsWarning',
      )
    }
  }

  #reportStoreFailure(code: ViolationCode, error: SdkError): void {
    const v: Violation = {
      code,
      resultType: 'validation-failure',
      path: ['store'],
      expected: 'intact store',
      observed: error.code,
    }
    const report = this.#emit([v], 'blocked_store_integrity')
    Object.defineProperty(error, 'report', { value: report, enumerable: false })
  }
}
