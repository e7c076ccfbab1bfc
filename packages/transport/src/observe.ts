// Turns a live (or failed) TLS socket plus protocol facts into core's Observation (house style H4).
import type { TLSSocket } from 'node:tls'
import {
  type Anomaly,
  type CertificateObservation,
  capabilityAtoms,
  createObservation,
  type DeepStatus,
  ErrorCode,
  type Evidence,
  MAX_EVIDENCE,
  type Observation,
  type ObservedTransport,
  SdkError,
  type Service,
  type StsPolicy,
  safeText,
  safeToken,
} from '@mua-sts/core'
import { cipherBits } from './cipher-bits.js'
import { observeDane } from './dane-gate.js'
import { bindHandshakeLeaf } from './security-record.js'
import type { TlsParams } from './tls-params.js'

/** Protocol facts an adapter collected around the TLS handshake. */
export type SessionFacts = {
  readonly service: Service
  readonly endpoint: { readonly host: string; readonly port: number }
  readonly transport: ObservedTransport
  readonly capsBeforeTls?: readonly string[]
  readonly capsAfterTls?: readonly string[]
  readonly anomalies?: readonly Anomaly[]
  /** Pre-TLS data that is itself the violation, as evidence only (see `evidenceOf`). */
  readonly evidence?: readonly Evidence[]
  /** Only what was read AFTER TLS (DEEP -04 §5.1). */
  readonly advertisement?: { deep?: DeepStatus | undefined; sts?: StsPolicy | undefined } | undefined
}

const CAP_MAX = 256
// Post-TLS capability entries come from the server the check is about to judge: kept, but without
// control bytes or markup (issue #13 item 2). Pre-TLS ones keep only a few grammar-checked atoms.
function capsAfter(list: readonly string[] | undefined): string[] {
  return (list ?? [])
    .slice(0, CAP_MAX)
    .map((c) => safeText(c, 512))
    .filter((c) => c !== '')
}

function base(facts: SessionFacts): Omit<Observation, 'serverAuthenticated'> {
  const o: Omit<Observation, 'serverAuthenticated'> = {
    service: facts.service,
    endpoint: { host: facts.endpoint.host, port: facts.endpoint.port },
    transport: facts.transport,
    capsBeforeTls: capabilityAtoms(facts.capsBeforeTls ?? []),
    capsAfterTls: capsAfter(facts.capsAfterTls),
    anomalies: [...new Set(facts.anomalies ?? [])],
  }
  if (facts.evidence !== undefined && facts.evidence.length > 0)
    o.evidence = facts.evidence.slice(0, MAX_EVIDENCE).map((e) => ({ ...e }))
  const adv = facts.advertisement
  if (adv !== undefined && (adv.deep !== undefined || adv.sts !== undefined)) {
    o.advertisement = {}
    if (adv.deep !== undefined)
      o.advertisement.deep = { tags: [...adv.deep.tags], ...(adv.deep.url ? { url: adv.deep.url } : {}) }
    if (adv.sts !== undefined) o.advertisement.sts = { ...adv.sts }
  }
  return o
}

/**
 * Observation of a completed handshake. Reads the socket; sends nothing.
 * @throws SdkError MUASTS_ERR_CONNECTION (`details.phase: 'check'`) when the socket closed before its
 *   TLS facts could be read: a missing cipher or protocol is never guessed (issue #13 item 5).
 */
export function observeSecureSocket(socket: TLSSocket, params: TlsParams, facts: SessionFacts): Observation {
  const o = base(facts)
  // Node returns null (or an empty object) for these once the socket's handle is gone.
  const cipher = socket.destroyed ? null : (socket.getCipher() as ReturnType<TLSSocket['getCipher']> | null)
  const protocol = socket.destroyed ? null : socket.getProtocol()
  const name = cipher?.standardName ?? cipher?.name
  if (typeof name !== 'string' || name === '' || typeof protocol !== 'string' || protocol === '') {
    throw new SdkError(ErrorCode.Connection, 'The TLS connection closed before it could be checked.', {
      details: { phase: 'check' },
    })
  }
  o.tls = {
    version: safeToken(protocol, 'unknown'),
    cipher: safeToken(name, 'unknown'),
    cipherBits: cipherBits(name),
  }
  const cert: CertificateObservation = {
    chainTrusted: socket.authorized,
    expired: false,
    nameMatch: params.identity.nameMatch,
  }
  const err = socket.authorizationError
  if (err !== null && err !== undefined) {
    cert.chainError = safeToken((err as Error & { code?: string }).code ?? err, 'CERT_UNTRUSTED')
    cert.expired = cert.chainError === 'CERT_HAS_EXPIRED'
    // Only our RFC 7817 callback failed (Node runs it after OpenSSL verified the chain): a handshake
    // that completes without rejectUnauthorized (in-band mode 'spec', DANE-only) has a trusted chain.
    if (cert.chainError === 'ERR_TLS_CERT_ALTNAME_INVALID') {
      cert.chainTrusted = true
      delete cert.chainError
    }
  }
  if (params.identity.spkiSha256 !== undefined) cert.spkiSha256 = params.identity.spkiSha256
  if (params.identity.matchedIdentity !== undefined) cert.matchedIdentity = params.identity.matchedIdentity
  const pkix = socket.authorized && params.identity.nameMatch === true
  const dane = observeDane(socket, params.dane, facts.endpoint.host, pkix)
  if (dane !== undefined) {
    o.dane = dane.dane
    if (dane.identity !== undefined && cert.nameMatch === null) {
      cert.nameMatch = dane.identity.nameMatch
      if (dane.identity.matchedIdentity !== undefined) cert.matchedIdentity = dane.identity.matchedIdentity
      if (dane.identity.spkiSha256 !== undefined) cert.spkiSha256 ??= dane.identity.spkiSha256
    }
  }
  o.certificate = cert
  bindHandshakeLeaf(socket, params) // for this socket's security record (security-record.ts)
  return createObservation(o)
}

// OpenSSL verify results that mean "chain not trusted" (as opposed to protocol/transport failures).
const CHAIN_ERRORS = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'CERT_UNTRUSTED',
  'CERT_REVOKED',
  'CERT_SIGNATURE_FAILURE',
  'INVALID_CA',
  'CERT_CHAIN_TOO_LONG',
  'INVALID_PURPOSE',
  'CERT_REJECTED',
])

/** Observation of a handshake that did not complete (error from tls.connect). */
export function observeHandshakeFailure(error: unknown, params: TlsParams, facts: SessionFacts): Observation {
  const o = base(facts)
  const code = safeToken((error as { code?: unknown } | undefined)?.code, 'TLS_HANDSHAKE_FAILED')
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    o.certificate = { chainTrusted: true, expired: false, nameMatch: false }
    if (params.identity.spkiSha256 !== undefined) o.certificate.spkiSha256 = params.identity.spkiSha256
  } else if (CHAIN_ERRORS.has(code)) {
    o.certificate = {
      chainTrusted: false,
      chainError: code,
      expired: code === 'CERT_HAS_EXPIRED',
      nameMatch: null,
    }
  } else {
    o.handshakeError = code
  }
  return createObservation(o)
}

/** Observation of a connection refused before any TLS (stripping, PREAUTH, injection…). */
export function observePreTls(facts: SessionFacts): Observation {
  return createObservation(base(facts))
}
