// What the matcher derives from one certificate's DER, computed once and reused across connections: the
// parsed X.509 object, the SubjectPublicKeyInfo cut out of it, the TLSA association data of each
// selector/matching type, and whether a given CA certificate signed it.
//
// Why: a server presents the same chain on every connection, and parsing it was most of what DANE added
// to a connect (#15 benchmark: `new X509Certificate` costs about 0.3 ms per certificate under Node 20's
// OpenSSL 3). Why this is exactly as strict as computing afresh: every memoised value is a function of
// the DER bytes alone (and, for `signedBy`, of the issuer's DER bytes), and entries are keyed by those
// exact bytes, not by a digest of them, so a hit can only return what a fresh computation would. Nothing
// that depends on the connection is stored here: validity dates against `now`, reference names, the
// PKIX verdict and the TLSA records themselves are evaluated by the matcher on every connection, so
// nothing here can outlive a DNS TTL. Pure apart from the bounded memory it keeps.
import { createHash, X509Certificate } from 'node:crypto'
import { spkiOfCertificate } from './spki-of-cert.js'
import { TlsaMatchingType, TlsaSelector } from './tlsa-record.js'

/** Certificates larger than this are parsed afresh every time rather than kept (memory bound). */
export const MAX_MEMO_DER = 16 * 1024
/** Distinct issuers remembered per certificate; a real chain has one. */
const MAX_ISSUERS = 4

/** One certificate's derived facts. Obtain through `CertFactsCache.get`; never mutated by callers. */
export class CertFacts {
  readonly #data = new Map<number, Uint8Array | undefined>()
  readonly #signedBy = new Map<string, boolean>()
  /** The spki cut (RFC 6698 §2.1.2 selector 1), undefined when our strict DER walk refuses it. */
  readonly spki: Uint8Array | undefined

  constructor(
    /** The DER as one-byte string: the memo key, and the identity `signedBy` remembers issuers by. */
    readonly key: string,
    readonly der: Uint8Array,
    readonly x509: X509Certificate,
  ) {
    this.spki = spkiOfCertificate(der)
  }

  /**
   * The TLSA association data this certificate would carry for `selector`/`matchingType` (RFC 6698
   * §2.1.2-§2.1.3): the full certificate or SPKI for type 0, its SHA-256 for 1, SHA-512 for 2.
   * Undefined when the SPKI cannot be cut out (then nothing matches, as before memoisation).
   */
  associationData(selector: number, matchingType: number): Uint8Array | undefined {
    const slot = selector * 4 + matchingType
    if (this.#data.has(slot)) return this.#data.get(slot)
    const selected = selector === TlsaSelector.Cert ? this.der : this.spki
    let data: Uint8Array | undefined
    if (selected === undefined) data = undefined
    else if (matchingType === TlsaMatchingType.Sha256) data = createHash('sha256').update(selected).digest()
    else if (matchingType === TlsaMatchingType.Sha512) data = createHash('sha512').update(selected).digest()
    else data = selected
    this.#data.set(slot, data)
    return data
  }

  /**
   * True when `issuer` is a CA (basicConstraints cA), its subject and key identifiers fit this
   * certificate's issuer (`checkIssued`), and its key verifies this certificate's signature. Validity
   * dates are not part of it: the matcher checks those against its own `now` every time.
   */
  signedBy(issuer: CertFacts): boolean {
    const known = this.#signedBy.get(issuer.key)
    if (known !== undefined) return known
    const ok = issuer.x509.ca && this.x509.checkIssued(issuer.x509) && this.x509.verify(issuer.x509.publicKey)
    if (this.#signedBy.size >= MAX_ISSUERS) this.#signedBy.clear()
    this.#signedBy.set(issuer.key, ok)
    return ok
  }
}

/** A bounded LRU of `CertFacts` keyed by the exact DER bytes. */
export class CertFactsCache {
  readonly #entries = new Map<string, CertFacts>()
  constructor(readonly maxEntries = 64) {}

  /** Entries currently kept (for tests). */
  get size(): number {
    return this.#entries.size
  }

  /** The facts of `der`, parsed now or remembered. Undefined when `der` is no X.509 certificate. */
  get(der: Uint8Array): CertFacts | undefined {
    const key = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('latin1')
    const hit = this.#entries.get(key)
    if (hit !== undefined) {
      this.#entries.delete(key)
      this.#entries.set(key, hit)
      return hit
    }
    let x509: X509Certificate
    try {
      x509 = new X509Certificate(der)
    } catch {
      return undefined // not kept: garbage is rare, and caching it would let garbage evict real entries
    }
    // A private copy: the caller's buffer may be reused or changed after this returns.
    const facts = new CertFacts(key, Uint8Array.from(der), x509)
    if (der.byteLength > MAX_MEMO_DER || this.maxEntries < 1) return facts
    if (this.#entries.size >= this.maxEntries) {
      const oldest = this.#entries.keys().next().value
      if (oldest !== undefined) this.#entries.delete(oldest)
    }
    this.#entries.set(key, facts)
    return facts
  }
}

/** The process-wide memo the matcher uses. */
export const CERT_FACTS = new CertFactsCache()
