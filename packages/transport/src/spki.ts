// SHA-256 of a certificate's DER SubjectPublicKeyInfo (the RFC 7469 pin format), computed by walking
// the DER (RFC 5280 §4.1) instead of parsing the whole certificate: X509Certificate construction costs
// hundreds of microseconds on every connection, this costs a few. Any malformed input throws
// MUASTS_ERR_PROTOCOL, and callers treat that like an unknown key (fail closed).
import { createHash } from 'node:crypto'
import { ErrorCode, SdkError } from '@mua-sts/core'

const SEQUENCE = 0x30

function malformed(why: string): SdkError {
  return new SdkError(ErrorCode.Protocol, `malformed certificate DER: ${why}`)
}

type Tlv = { tag: number; start: number; contentStart: number; end: number }

function readTlv(der: Uint8Array, at: number): Tlv {
  const tag = der[at]
  let len = der[at + 1]
  if (tag === undefined || len === undefined) throw malformed('truncated')
  let p = at + 2
  if (len & 0x80) {
    const n = len & 0x7f
    if (n === 0 || n > 4) throw malformed('unsupported length')
    len = 0
    for (let i = 0; i < n; i++) len = len * 256 + (der[p++] ?? Number.NaN)
  }
  const end = p + len
  if (!Number.isFinite(end) || end > der.length) throw malformed('truncated')
  return { tag, start: at, contentStart: p, end }
}

/** The DER bytes of the certificate's SubjectPublicKeyInfo. */
export function spkiDer(certDer: Uint8Array): Uint8Array {
  const cert = readTlv(certDer, 0)
  if (cert.tag !== SEQUENCE) throw malformed('Certificate is not a SEQUENCE')
  const tbs = readTlv(certDer, cert.contentStart)
  if (tbs.tag !== SEQUENCE) throw malformed('TBSCertificate is not a SEQUENCE')
  let p = tbs.contentStart
  // tbsCertificate: [0] version (optional), serialNumber, signature, issuer, validity, subject, SPKI.
  if (certDer[p] === 0xa0) p = readTlv(certDer, p).end
  for (let i = 0; i < 5; i++) p = readTlv(certDer, p).end
  const spki = readTlv(certDer, p)
  if (spki.tag !== SEQUENCE) throw malformed('SubjectPublicKeyInfo is not a SEQUENCE')
  return certDer.subarray(spki.start, spki.end)
}

/** base64 SHA-256 of the certificate's SPKI. Throws MUASTS_ERR_PROTOCOL on malformed DER. */
export function spkiSha256(certDer: Uint8Array): string {
  return createHash('sha256').update(spkiDer(certDer)).digest('base64')
}
