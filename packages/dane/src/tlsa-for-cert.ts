// The record a domain owner would publish for a certificate: for setup's "publish this" advice and
// tests. Pure.
import { createHash } from 'node:crypto'
import { ErrorCode, SdkError } from '@mua-sts/core'
import { spkiOfCertificate } from './spki-of-cert.js'
import { TlsaMatchingType, type TlsaRecord, TlsaSelector, TlsaUsage } from './tlsa-record.js'

/**
 * Builds the TLSA record `usage selector matchingType` for a DER certificate, e.g. `3 1 1` (DANE-EE,
 * SPKI, SHA2-256: the form RFC 7671 §5.1 recommends) for a server's own certificate. Pure.
 * Throws `MUASTS_ERR_INVALID_OPTION` for unknown parameters or a DER that is no certificate.
 */
export function tlsaRecordFor(
  certDer: Uint8Array,
  usage: number = TlsaUsage.DaneEe,
  selector: number = TlsaSelector.Spki,
  matchingType: number = TlsaMatchingType.Sha256,
): TlsaRecord {
  const known = (v: number, max: number): boolean => Number.isInteger(v) && v >= 0 && v <= max
  if (!known(usage, 3) || !known(selector, 1) || !known(matchingType, 2)) {
    throw new SdkError(ErrorCode.InvalidOption, 'TLSA parameters must be usage 0-3, selector 0-1, type 0-2', {
      details: { usage, selector, matchingType },
    })
  }
  const selected = selector === TlsaSelector.Cert ? certDer : spkiOfCertificate(certDer)
  if (selected === undefined) {
    throw new SdkError(ErrorCode.InvalidOption, 'not a DER X.509 certificate', {
      details: { field: 'certDer' },
    })
  }
  const algorithm = matchingType === TlsaMatchingType.Sha256 ? 'sha256' : 'sha512'
  const data =
    matchingType === TlsaMatchingType.Full
      ? Uint8Array.from(selected)
      : createHash(algorithm).update(selected).digest()
  return { usage, selector, matchingType, data: Uint8Array.from(data) }
}
