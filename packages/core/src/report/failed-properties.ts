// Which saved properties a connection failed, in the vocabulary of each draft: the registered DEEP -04
// tags the client had latched (for `latch-fail`, -04 §7.1) and the saved -05 directives (for
// `policy-fail`, -05 §9.1). Judged from what the session achieved, never from the violation list: a
// violation's `tag` mixes both drafts (a failed `tls-cert=pkix+dane` directive is tagged `tls-cert`,
// which names a latch only if that tag was latched). SPKI pins are ours, not DEEP's, so a pin failure
// appears in neither list.
import type { Commitment } from '../model/commitment.js'
import { daneValid, type Observation, pkixValid } from '../model/observation.js'
import { tlsRank } from '../model/primitives.js'
import {
  KNOWN_TAGS,
  type KnownTag,
  type TlsCertDirective,
  tlsVersionDirectiveToProtocol,
} from '../model/tags.js'

/** DEEP -04 §11.2: tls11 and tls12 also require a symmetric key of at least 128 bits. */
const MIN_BITS = 128

function strongCipher(o: Observation): boolean {
  return o.tls !== undefined && o.tls.cipherBits >= MIN_BITS
}

/** Whether a session meets a registered tag's condition (DEEP -04 §11.2). */
function meetsTag(tag: KnownTag, o: Observation): boolean {
  switch (tag) {
    case 'tls11':
      return tlsRank(o.tls?.version) >= tlsRank('TLSv1.1') && strongCipher(o)
    case 'tls12':
      return tlsRank(o.tls?.version) >= tlsRank('TLSv1.2') && strongCipher(o)
    case 'tls-cert':
      return pkixValid(o)
    case 'tls-dane-tlsa':
      return daneValid(o) && o.certificate?.nameMatch === true
  }
}

function meetsTlsCert(d: TlsCertDirective, o: Observation): boolean {
  if (d === 'any') return o.tls !== undefined
  if (d === 'pkix') return pkixValid(o)
  if (d === 'dane') return daneValid(o)
  return pkixValid(o) && daneValid(o)
}

/**
 * The registered tags latched for this host that this session did not achieve, in registry order
 * (-04 §11.2: tls11, tls12, tls-cert, tls-dane-tlsa). Unregistered latches never appear. Pure.
 */
export function failedLatches(c: Commitment, o: Observation): KnownTag[] {
  return KNOWN_TAGS.filter((t) => c.latches.includes(t) && !meetsTag(t, o))
}

/** The -05 directive list of the saved directives this session did not achieve ("" when none). Pure. */
export function failedDirectives(c: Commitment, o: Observation): string {
  const parts: string[] = []
  const v = c.directives.tlsVersion
  if (v !== undefined && tlsRank(o.tls?.version) < tlsRank(tlsVersionDirectiveToProtocol(v)))
    parts.push(`tls-version=${v}`)
  const cert = c.directives.tlsCert
  if (cert !== undefined && !meetsTlsCert(cert, o)) parts.push(`tls-cert=${cert}`)
  return parts.join('; ')
}
