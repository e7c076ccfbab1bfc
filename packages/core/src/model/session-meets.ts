// What one session achieved, against each saved property a server can promise: the registered DEEP -04
// tags (§11.2) and the MUA-STS -05 directives (§6). One definition for both uses: strengthen() latches
// only what the session meets, and the in-band failure report names only what it did not meet.
import { MIN_CIPHER_BITS } from '../evaluate/rules/cipher.js'
import { daneValid, type Observation, pkixValid } from './observation.js'
import { tlsRank } from './primitives.js'
import {
  type KnownTag,
  type TlsCertDirective,
  type TlsVersionDirective,
  tlsVersionDirectiveToProtocol,
} from './tags.js'

// DEEP -04 §11.2: tls11 and tls12 also require a symmetric key of at least 128 bits.
function strongCipher(o: Observation): boolean {
  return o.tls !== undefined && o.tls.cipherBits >= MIN_CIPHER_BITS
}

/** Whether a session meets a registered tag's condition (DEEP -04 §11.2). Pure. */
export function meetsTag(tag: KnownTag, o: Observation): boolean {
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

/** Whether a session meets a -05 `tls-cert` directive (§6.2); `any` still needs TLS. Pure. */
export function meetsTlsCert(d: TlsCertDirective, o: Observation): boolean {
  if (d === 'any') return o.tls !== undefined
  if (d === 'pkix') return pkixValid(o)
  if (d === 'dane') return daneValid(o)
  return pkixValid(o) && daneValid(o)
}

/** Whether a session meets a -05 `tls-version` directive (§6.1). Pure. */
export function meetsTlsVersion(v: TlsVersionDirective, o: Observation): boolean {
  return tlsRank(o.tls?.version) >= tlsRank(tlsVersionDirectiveToProtocol(v))
}
