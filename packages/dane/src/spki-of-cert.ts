// The SubjectPublicKeyInfo bytes of a DER certificate, exactly as the certificate carries them.
// TLSA selector 1 hashes these octets (RFC 6698 §2.1.2); re-encoding the key through OpenSSL could
// change them (e.g. a compressed EC point), so the TLV is cut out of the certificate instead.
// Pure. Undefined for anything that is not a well-formed X.509 v1-v3 prefix (RFC 5280 §4.1).

type Tlv = { readonly tag: number; readonly start: number; readonly body: number; readonly end: number }

function tlv(der: Uint8Array, at: number, limit: number): Tlv | undefined {
  if (at + 2 > limit) return undefined
  const tag = der[at] as number
  const first = der[at + 1] as number
  let length = first
  let body = at + 2
  if (first & 0x80) {
    const octets = first & 0x7f
    // DER forbids the indefinite form (0x80); more than 4 length octets is no certificate.
    if (octets === 0 || octets > 4 || body + octets > limit) return undefined
    length = 0
    for (let i = 0; i < octets; i++) length = length * 256 + (der[body + i] as number)
    body += octets
  }
  const end = body + length
  return end > limit ? undefined : { tag, start: at, body, end }
}

const SEQUENCE = 0x30
const INTEGER = 0x02
const VERSION = 0xa0 // [0] EXPLICIT

/** Returns the DER SubjectPublicKeyInfo TLV inside `certDer`, or undefined when malformed. */
export function spkiOfCertificate(certDer: Uint8Array): Uint8Array | undefined {
  const cert = tlv(certDer, 0, certDer.length)
  if (cert?.tag !== SEQUENCE) return undefined
  const tbs = tlv(certDer, cert.body, cert.end)
  if (tbs?.tag !== SEQUENCE) return undefined
  let field = tlv(certDer, tbs.body, tbs.end)
  if (field?.tag === VERSION) field = tlv(certDer, field.end, tbs.end)
  if (field?.tag !== INTEGER) return undefined // serialNumber
  // signature, issuer, validity, subject: four SEQUENCEs, then the SubjectPublicKeyInfo SEQUENCE.
  for (let i = 0; i < 5; i++) {
    field = tlv(certDer, field.end, tbs.end)
    if (field?.tag !== SEQUENCE) return undefined
  }
  return certDer.slice(field.start, field.end)
}
