// The SDK owns every TLS option (integration notes §8.3: library defaults leak credentials). Chain
// validation stays on inside the handshake (rejectUnauthorized: true — never turned off); our
// checkServerIdentity adds the RFC 7817 identity check and captures the leaf for pins and reports.

import { isIP } from 'node:net'
import type { ConnectionOptions, PeerCertificate } from 'node:tls'
import {
  type Commitment,
  matchServerIdentity,
  parseSubjectAltName,
  requiredTlsVersion,
  tlsRank,
} from '@mua-sts/core'
import type { ValidatingResolver } from '@mua-sts/dane'
import { type DaneState, recordHandshakePeer, startDane } from './dane-gate.js'
import { secureContextFor } from './secure-context.js'
import { spkiSha256 } from './spki.js'
import type { TrustOptions } from './trust-options.js'

export type { TrustOptions }

/** What the identity callback saw; filled during the handshake, read by observe(). */
export type IdentityRecord = {
  spkiSha256?: string
  matchedIdentity?: string
  nameMatch: boolean | null
}

export type TlsParams = {
  readonly options: ConnectionOptions
  readonly identity: IdentityRecord
  /** DANE state when the guard has a validating resolver and the endpoint is a host name (#15). */
  readonly dane?: DaneState
}

/** The guard's DANE configuration: its validated resolver and clock. */
export type DaneConfig = { readonly resolver: ValidatingResolver; readonly now: () => Date }

function altNameError(host: string): Error {
  const e = new Error(`certificate is not valid for ${host} (RFC 7817)`) as Error & { code: string }
  e.code = 'ERR_TLS_CERT_ALTNAME_INVALID'
  return e
}

/**
 * TLS options for one connection to the committed endpoint. Pure apart from creating a record object.
 * minVersion is the commitment's strictest requirement (floor, tls12 latch, -05 tls-version), never < 1.2.
 * No `session` is ever passed: resumption skips checkServerIdentity (integration notes §1.3).
 */
export function createTlsParams(
  commitment: Commitment,
  trust: TrustOptions = {},
  daneConfig?: DaneConfig,
): TlsParams {
  const host = commitment.endpoint.host
  const identity: IdentityRecord = { nameMatch: null }
  const required = requiredTlsVersion(commitment).version
  const minVersion = tlsRank(required) >= tlsRank('TLSv1.3') ? 'TLSv1.3' : 'TLSv1.2'
  const options: ConnectionOptions = {
    host,
    port: commitment.endpoint.port,
    minVersion,
    rejectUnauthorized: true,
    checkServerIdentity: (_servername: string, cert: PeerCertificate) => {
      try {
        identity.spkiSha256 = spkiSha256(cert.raw)
      } catch {
        // Unparseable key: leave it unknown; a pinned commitment then fails closed.
      }
      const m = matchServerIdentity([host], {
        ...parseSubjectAltName(cert.subjectaltname),
        commonName: typeof cert.subject?.CN === 'string' ? cert.subject.CN : undefined,
      })
      identity.nameMatch = m.match
      if (m.match) {
        identity.matchedIdentity = m.identity
        return undefined
      }
      return altNameError(host)
    },
  }
  // RFC 6066 §3: SNI carries host names only, never IP literals.
  if (isIP(host) === 0) options.servername = host
  if (trust.lookup !== undefined) options.lookup = trust.lookup
  const ca = trust.ca === undefined ? undefined : typeof trust.ca === 'string' ? [trust.ca] : [...trust.ca]
  if (ca !== undefined) options.ca = ca
  // The context carries minVersion and the anchors (tls.connect ignores both once a context is given).
  options.secureContext = secureContextFor(minVersion, ca)
  const dane = startDane(commitment, daneConfig?.resolver, daneConfig?.now ?? (() => new Date()))
  if (dane === undefined) return { options, identity }
  options.checkServerIdentity = recordHandshakePeer(options.checkServerIdentity, dane)
  // Only a DANE-only commitment lets an unverified chain finish the handshake; core then refuses it
  // unless DANE is `valid` (rules/dane.ts, rules/certificate.ts). Every other commitment keeps PKIX here.
  if (dane.relaxPkix) options.rejectUnauthorized = false
  return { options, identity, dane }
}
