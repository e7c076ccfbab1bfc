// Rule: TLS must be up on the committed endpoint in the committed mode, with no pre-TLS attack signature.
import type { Commitment } from '../../model/commitment.js'
import type { Observation } from '../../model/observation.js'
import { type Violation, type ViolationCode, violation } from '../violation.js'

// Each anomaly is itself a refusal reason (RFC 2595 §3.1, RFC 3207 §4.2, NO STARTTLS attack classes).
const ANOMALY_EXPECTED: Readonly<Record<Observation['anomalies'][number], string>> = {
  starttls_not_offered: 'STARTTLS advertised before TLS',
  starttls_refused: 'positive reply to STARTTLS',
  preauth_before_tls: 'no PREAUTH on a connection that must upgrade to TLS',
  bytes_after_starttls: 'no bytes between the STARTTLS reply and the TLS handshake',
  untagged_before_tls: 'no unsolicited responses before TLS',
  stalled_before_tls: 'TLS established within the connect deadline',
}

export function transportRule(c: Commitment, o: Observation, out: Violation[]): void {
  for (const a of o.anomalies) out.push(violation(a as ViolationCode, ['anomalies'], ANOMALY_EXPECTED[a], a))
  if (o.endpoint.host !== c.endpoint.host || o.endpoint.port !== c.endpoint.port) {
    out.push(
      violation(
        'endpoint_mismatch',
        ['endpoint'],
        `${c.endpoint.host}:${c.endpoint.port}`,
        `${o.endpoint.host}:${o.endpoint.port}`,
      ),
    )
  }
  if (o.transport === 'plaintext') {
    if (o.anomalies.length === 0)
      out.push(violation('tls_not_established', ['transport'], c.endpoint.transport, 'plaintext'))
    return
  }
  // RFC 8314 §3: once implicit TLS is committed, a STARTTLS connection is a downgrade.
  if (c.endpoint.transport === 'implicit-tls' && o.transport === 'starttls') {
    out.push(violation('implicit_tls_downgraded', ['transport'], 'implicit-tls', 'starttls'))
  }
}
