// The gate every guarded client runs (house style H17): load the commitment → observe → evaluate →
// either continue (and learn) or emit the report synchronously and throw. Protocol adapters own the
// wire; this file owns the decision and the bookkeeping around it.
import { randomUUID } from 'node:crypto'
import {
  buildInBand,
  buildReport,
  type ClientIdentity,
  type Commitment,
  CommitmentViolationError,
  ErrorCode,
  evaluate,
  type InBand,
  inBandAllowed,
  isSdkError,
  type Observation,
  parseOptions,
  type Report,
  SdkError,
  type Service,
  strengthen,
  type Violation,
  type ViolationCode,
} from '@mua-sts/core'
import { type GuardOptions, GuardOptionsSchema } from './guard-options.js'
import { createTlsParams, type TlsParams } from './tls-params.js'
import { markPassed } from './tripwire.js'
import { SDK_VERSION } from './version.js'

export type CheckResult =
  | { readonly ok: true }
  | {
      readonly ok: false
      readonly report: Report
      readonly error: CommitmentViolationError
      /** What may be sent in-band before disconnecting; null when the server is not authenticated. */
      readonly inBand: InBand | null
    }

// DEEP -04 §7: IMAP reports in ID and SMTP in CLIENT; POP3 has no client-to-server reporting (§7.2).
const IN_BAND_SERVICES: ReadonlySet<Service> = new Set(['imap', 'submission'])

const STORE_VIOLATIONS: Partial<Record<string, ViolationCode>> = {
  [ErrorCode.StoreCorrupt]: 'store_corrupt',
  [ErrorCode.StoreRollback]: 'store_rollback',
  [ErrorCode.KeychainUnavailable]: 'keychain_unavailable',
}

export class Guard {
  readonly options: GuardOptions
  readonly service: Service
  readonly #pkg: string

  constructor(options: unknown, service: Service, pkg: string) {
    this.options = parseOptions(GuardOptionsSchema, options, pkg)
    this.service = service
    this.#pkg = pkg
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

  tlsParams(c: Commitment): TlsParams {
    return createTlsParams(c, this.options.trust ?? {})
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
    channel: { readonly inBand?: boolean } = {},
  ): CheckResult {
    const verdict = evaluate(c, observation)
    if (verdict.outcome === 'ok') {
      if (socket !== undefined) markPassed(socket)
      return { ok: true }
    }
    const canSend = IN_BAND_SERVICES.has(this.service) && channel.inBand !== false
    const inBandPossible = canSend && inBandAllowed(observation.serverAuthenticated, verdict.violations)
    const report = this.#emit(
      verdict.violations,
      inBandPossible ? 'blocked_before_auth_reported_in_band' : 'blocked_before_auth',
      c,
      observation,
      canSend,
    )
    return { ok: false, report, error: new CommitmentViolationError(report), inBand: report.inBand }
  }

  /** Learns from a compliant, authenticated session and persists only if something new was learned. */
  async learn(c: Commitment, observation: Observation): Promise<Commitment> {
    const r = strengthen(c, observation, this.#now().toISOString())
    if (r.learned.length === 0) return c
    return this.options.store.strengthen(r.commitment)
  }

  /** The in-band data for a normal (passing) session: latch / security-tags in ID or CLIENT. */
  inBandFor(c: Commitment): InBand {
    return buildInBand({ commitment: c, violations: [], client: this.#client() })
  }

  /** Defaults to the SDK's own name; `client: null` in the options switches it off (DEEP -04 §12). */
  #client(): ClientIdentity {
    const c = this.options.client
    return c === null ? null : (c ?? { name: 'mua-sts', version: SDK_VERSION })
  }

  #emit(
    violations: readonly Violation[],
    action: Report['action'],
    c?: Commitment,
    o?: Observation,
    inBandCapable = false,
  ): Report {
    const report = buildReport({
      reportId: this.options.newReportId?.() ?? randomUUID(),
      now: this.#now().toISOString(),
      account: this.options.account,
      service: this.service,
      endpoint: c?.endpoint ?? o?.endpoint ?? { host: 'unknown', port: 1 },
      violations,
      action,
      commitment: c,
      observation: o,
      client: this.#client(),
      inBandCapable,
      sdk: { package: this.#pkg, version: SDK_VERSION },
    })
    this.options.reports?.dispatch(report)
    return report
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
