// Rule: "high" confidentiality (RFC 8314 §5.2–5.3, RFC 7817) needs PKIX path validation and an RFC 7817
// identity match on every connection; a `tls-cert` latch (DEEP -04 §11.2) asks for the same.
import type { Commitment } from '../../model/commitment.js'
import { daneValid, type Observation } from '../../model/observation.js'
import { type Violation, violation } from '../violation.js'
import { daneOnly } from './dane.js'
import { isNotTls, isVersionFailure } from './handshake-error.js'

function certTag(c: Commitment): string | undefined {
  if (c.latches.includes('tls-cert')) return 'tls-cert'
  const d = c.directives.tlsCert
  return d === 'pkix' || d === 'pkix+dane' ? 'tls-cert' : undefined
}

export function certificateRule(c: Commitment, o: Observation, out: Violation[]): void {
  if (o.transport === 'plaintext') return
  // A DANE-only commitment (-05 `tls-cert=dane`, or a `tls-dane-tlsa` latch without `tls-cert`) is
  // authenticated by its TLSA records instead of a CA (RFC 7671 §5.1); the DANE rule refuses otherwise.
  if (daneOnly(c) && daneValid(o)) return
  const tag = certTag(c)
  const cert = o.certificate
  if (cert === undefined) {
    if (o.handshakeError !== undefined && !isVersionFailure(o.handshakeError)) {
      const observed = isNotTls(o.handshakeError)
        ? `server did not speak TLS (${o.handshakeError})`
        : o.handshakeError
      out.push(violation('tls_handshake_failed', ['handshakeError'], 'completed TLS handshake', observed))
    } else if (o.tls !== undefined) {
      out.push(violation('certificate_not_trusted', ['certificate'], 'a server certificate', 'none', { tag }))
    }
    return
  }
  if (cert.expired) {
    out.push(
      violation('certificate_expired', ['certificate', 'expired'], 'certificate within validity', 'expired', {
        tag,
      }),
    )
  } else if (!cert.chainTrusted) {
    const observed = cert.chainError ?? 'untrusted'
    out.push(
      violation('certificate_not_trusted', ['certificate', 'chainTrusted'], 'PKIX-valid chain', observed, {
        tag,
      }),
    )
  }
  // null with a trusted chain means the identity check never ran (Node skips checkServerIdentity on a
  // resumed session): unchecked is not matched, so it fails closed too.
  if (cert.nameMatch === false || (cert.nameMatch === null && cert.chainTrusted)) {
    out.push(
      violation(
        'certificate_host_mismatch',
        ['certificate', 'nameMatch'],
        `DNS-ID for ${c.endpoint.host}`,
        cert.nameMatch === null ? 'not checked' : 'no match',
        { tag },
      ),
    )
  }
}
