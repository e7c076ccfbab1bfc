// Rule: the negotiated TLS version meets the floor (RFC 8997), any tls11/tls12 latch (DEEP -04 §5.1) and
// any -05 tls-version directive (§7.1). The violation names the strongest source so latch-fail is exact.
import type { Commitment } from '../../model/commitment.js'
import type { Observation } from '../../model/observation.js'
import { tlsRank } from '../../model/primitives.js'
import { tlsVersionDirectiveToProtocol } from '../../model/tags.js'
import { type Violation, violation } from '../violation.js'
import { isVersionFailure } from './handshake-error.js'

type Requirement = { version: string; tag: string | undefined }

/** The strictest TLS version the commitment demands, and the tag/directive that demands it. */
export function requiredTlsVersion(c: Commitment): Requirement {
  let req: Requirement = { version: c.tlsFloor, tag: undefined }
  const raise = (version: string, tag: string) => {
    if (
      tlsRank(version) > tlsRank(req.version) ||
      (tlsRank(version) === tlsRank(req.version) && req.tag === undefined)
    )
      req = { version, tag }
  }
  if (c.latches.includes('tls11')) raise('TLSv1.1', 'tls11')
  if (c.latches.includes('tls12')) raise('TLSv1.2', 'tls12')
  if (c.directives.tlsVersion !== undefined)
    raise(tlsVersionDirectiveToProtocol(c.directives.tlsVersion), 'tls-version')
  return req
}

export function tlsVersionRule(c: Commitment, o: Observation, out: Violation[]): void {
  if (o.transport === 'plaintext') return
  const req = requiredTlsVersion(c)
  if (o.tls === undefined) {
    // A handshake the client refused for protocol version is still a version violation, not just "failed".
    if (o.handshakeError !== undefined && isVersionFailure(o.handshakeError)) {
      out.push(
        violation('tls_version_below_floor', ['tls', 'version'], `>= ${req.version}`, o.handshakeError, {
          tag: req.tag,
        }),
      )
    }
    return
  }
  if (tlsRank(o.tls.version) < tlsRank(req.version)) {
    out.push(
      violation('tls_version_below_floor', ['tls', 'version'], `>= ${req.version}`, o.tls.version, {
        tag: req.tag,
      }),
    )
  }
}
