// Turns a live (or failed) TLS socket plus protocol facts into core's Observation (house style H4).
import type { TLSSocket } from 'node:tls'
import {
  type Anomaly,
  type CertificateObservation,
  createObservation,
  type DeepStatus,
  type Observation,
  type ObservedTransport,
  type Service,
  type StsPolicy,
} from '@mua-sts/core'
import { cipherBits } from './cipher-bits.js'
import type { TlsParams } from './tls-params.js'

/** Protocol facts an adapter collected around the TLS handshake. */
export type SessionFacts = {
  readonly service: Service
  readonly endpoint: { readonly host: string; readonly port: number }
  readonly transport: ObservedTransport
  readonly capsBeforeTls?: readonly string[]
  readonly capsAfterTls?: readonly string[]
  readonly anomalies?: readonly Anomaly[]
  /** Only what was read AFTER TLS (DEEP -04 §5.1). */
  readonly advertisement?: { deep?: DeepStatus | undefined; sts?: StsPolicy | undefined } | undefined
}

const CAP_MAX = 256
function caps(list: readonly string[] | undefined): string[] {
  return (list ?? []).slice(0, CAP_MAX).map((c) => c.slice(0, 512))
}

function base(facts: SessionFacts): Omit<Observation, 'serverAuthenticated'> {
  const o: Omit<Observation, 'serverAuthenticated'> = {
    service: facts.service,
    endpoint: { host: facts.endpoint.host, port: facts.endpoint.port },
    transport: facts.transport,
    capsBeforeTls: caps(facts.capsBeforeTls),
    capsAfterTls: caps(facts.capsAfterTls),
    anomalies: [...new Set(facts.anomalies ?? [])],
  }
  const adv = facts.advertisement
  if (adv !== undefined && (adv.deep !== undefined || adv.sts !== undefined)) {
    o.advertisement = {}
    if (adv.deep !== undefined)
      o.advertisement.deep = { tags: [...adv.deep.tags], ...(adv.deep.url ? { url: adv.deep.url } : {}) }
    if (adv.sts !== undefined) o.advertisement.sts = { ...adv.sts }
  }
  return o
}

/** Observation of a completed handshake. Reads the socket; sends nothing. */
export function observeSecureSocket(socket: TLSSocket, params: TlsParams, facts: SessionFacts): Observation {
  const o = base(facts)
  const cipher = socket.getCipher()
  const name = cipher.standardName ?? cipher.name
  o.tls = { version: socket.getProtocol() ?? 'unknown', cipher: name, cipherBits: cipherBits(name) }
  const cert: CertificateObservation = {
    chainTrusted: socket.authorized,
    expired: false,
    nameMatch: params.identity.nameMatch,
  }
  const err = socket.authorizationError
  if (err !== null && err !== undefined) {
    cert.chainError = String((err as Error & { code?: string }).code ?? err).slice(0, 128)
    cert.expired = cert.chainError === 'CERT_HAS_EXPIRED'
  }
  if (params.identity.spkiSha256 !== undefined) cert.spkiSha256 = params.identity.spkiSha256
  if (params.identity.matchedIdentity !== undefined) cert.matchedIdentity = params.identity.matchedIdentity
  o.certificate = cert
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
  const code = String((error as { code?: unknown } | undefined)?.code ?? 'TLS_HANDSHAKE_FAILED').slice(0, 128)
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
