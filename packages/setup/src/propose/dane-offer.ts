// The DANE requirement propose() offers (#15 item 5). The probe labels a candidate DANE-validated when
// its TLSA records (RFC 6698) validated through the app's resolver and matched the presented key. The
// proposal then adds a `tls-dane-tlsa` requirement, but only when the app says its guards have a
// validating resolver: without one, a DANE requirement could never be checked and would lock the
// account out, so it is explained and left out. Pure.
import { type Commitment, CommitmentSchema, type Observation } from '@mua-sts/core'

export type DaneOffer = {
  readonly commitment: Commitment
  /** True when the probed server was DANE-validated (shown as a trust label). */
  readonly validated: boolean
  /** Plain-language lines for the proposal's reasons. */
  readonly reasons: readonly string[]
}

/** True when the observation's DANE outcome was `valid` for a name-matched certificate. */
export function daneValidated(o: Observation): boolean {
  return o.dane?.status === 'valid' && o.certificate?.nameMatch === true
}

/** Adds the DANE requirement to `c` when the probe validated DANE and the app can check it. Pure. */
export function offerDane(
  c: Commitment,
  o: Observation,
  resolverConfigured: boolean,
  now: string,
): DaneOffer {
  if (!daneValidated(o)) return { commitment: c, validated: false, reasons: [] }
  const host = c.endpoint.host
  if (!resolverConfigured) {
    return {
      commitment: c,
      validated: true,
      reasons: [
        `DANE-validated: ${host} publishes DNSSEC-signed TLSA records that match its key. DANE is not required, because the app has no validating resolver configured to check it on every connection.`,
      ],
    }
  }
  if (c.latches.includes('tls-dane-tlsa')) return { commitment: c, validated: true, reasons: [] }
  const commitment = CommitmentSchema.parse({
    ...c,
    latches: [...c.latches, 'tls-dane-tlsa'].sort(),
    provenance: {
      ...c.provenance,
      'latch:tls-dane-tlsa': { source: 'setup', firstSeen: now, lastConfirmed: now },
    },
  })
  return {
    commitment,
    validated: true,
    reasons: [
      `DANE-validated: ${host} publishes DNSSEC-signed TLSA records that match its key, so they become a requirement too. A certificate from any CA that does not match them is refused, and if the domain stops publishing them, connections are refused until you run the forget ceremony.`,
    ],
  }
}
