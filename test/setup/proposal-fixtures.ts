// Synthetic discoveries, probe results and a recording store for confirm()'s socket-free tests.
// Observations are built through core's createObservation, exactly as the transport helpers build
// them; the end-to-end versions with real TLS live in test/setup-probe/.
import {
  type AccountRef,
  type AuditRecord,
  type Commitment,
  type CommitmentStore,
  createObservation,
  type ForgetRequest,
  merge,
  type PinSet,
  SdkError,
  type Service,
} from '@mua-sts/core'
import type { Candidate, Discovery, ProbeResult, Trust } from '@mua-sts/setup'

export const NOW = '2026-03-01T09:00:00.000Z'
/** confirm()'s clock in these tests: proposals made at NOW (or a few ms later) are fresh. */
export const CLOCK = (): Date => new Date(NOW)
let tick = 0
/**
 * NOW plus a new millisecond each call: two proposals with the same content and time would have the
 * same seal, and a seal pins once per process.
 */
export const uniqueNow = (): string => new Date(Date.parse(NOW) + ++tick).toISOString()
export const TRUSTED: Trust = { level: 'trusted', reason: 'srv_target_in_domain' }
export const OUTSIDE: Trust = { level: 'needs-confirmation', reason: 'srv_target_outside_domain' }
export const KEY_1 = `${'A'.repeat(42)}Q=`
export const KEY_2 = `${'B'.repeat(42)}Q=`
export const KEY_3 = `${'C'.repeat(42)}Q=`

export function cand(patch: Partial<Candidate> & Pick<Candidate, 'port'>): Candidate {
  return {
    service: 'imap',
    host: 'mail.example.test',
    transport: 'implicit-tls',
    source: 'srv',
    trust: TRUSTED,
    priority: 0,
    ...patch,
  }
}

export function compliant(c: Candidate, spki = KEY_1, version = 'TLSv1.3'): ProbeResult {
  const observation = createObservation({
    service: c.service,
    endpoint: { host: c.host, port: c.port },
    transport: c.transport,
    tls: { version, cipher: 'TLS_AES_256_GCM_SHA384', cipherBits: 256 },
    certificate: {
      chainTrusted: true,
      expired: false,
      nameMatch: true,
      matchedIdentity: c.host,
      spkiSha256: spki,
    },
    capsBeforeTls: [],
    capsAfterTls: [],
    anomalies: [],
  })
  return { candidate: c, status: 'compliant', observation, violations: [] }
}

export const discoveryOf = (candidates: Candidate[]): Discovery => ({
  domain: 'example.test',
  candidates,
  notOffered: [],
  errors: [],
  diagnostics: [],
})

/**
 * A CommitmentStore that records every write and runs the replace ceremony with one fixed token
 * ('token-1'), the way the contract in core describes it: remove what the token covers, write
 * `next` exactly as given, one audit record.
 */
export class RecordingStore implements CommitmentStore {
  readonly data = new Map<string, Commitment>()
  readonly writes: Commitment[] = []
  readonly audit: AuditRecord[] = []

  async get(account: AccountRef, service: Service) {
    return this.data.get(`${account}/${service}`)
  }
  async strengthen(next: Commitment) {
    this.writes.push(next)
    const key = `${next.account}/${next.service}`
    const current = this.data.get(key)
    const merged = current === undefined ? next : merge(current, next)
    this.data.set(key, merged)
    return merged
  }
  async list(account?: AccountRef) {
    return [...this.data.values()].filter((c) => account === undefined || c.account === account)
  }
  async requestForget(account: AccountRef, service?: Service) {
    return {
      confirmation: 'token-1',
      commitments: (await this.list(account)).filter((c) => service === undefined || c.service === service),
    }
  }
  async forget(): Promise<AuditRecord> {
    throw new Error('unused')
  }
  async replace(request: ForgetRequest, next: readonly Commitment[]): Promise<AuditRecord> {
    if (request.confirmation !== 'token-1') throw new SdkError('MUASTS_ERR_CONFIRMATION_REQUIRED')
    const removed = (await this.list(request.account)).filter(
      (c) => request.service === undefined || c.service === request.service,
    )
    for (const c of removed) this.data.delete(`${c.account}/${c.service}`)
    for (const c of next) this.data.set(`${c.account}/${c.service}`, c)
    const { account, actor, reason } = request
    const services = [...new Set([...removed, ...next].map((c) => c.service))]
    const record: AuditRecord = {
      kind: 'replace',
      at: NOW,
      account,
      services,
      actor,
      reason,
      removed,
      added: [...next],
    }
    this.audit.push(record)
    return record
  }
  async rotatePins(_request: ForgetRequest, _pins: PinSet): Promise<AuditRecord> {
    throw new Error('unused')
  }
}
