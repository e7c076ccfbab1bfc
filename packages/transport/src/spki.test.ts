import { createHash, X509Certificate } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { testPki } from '../../../test/support/certs.js'
import { spkiSha256 } from './spki.js'

const pki = testPki()
const der = (pem: string) => new X509Certificate(pem).raw

describe('spkiSha256()', () => {
  it.each(['good', 'rekeyed', 'wrongHost', 'expired', 'otherCa', 'selfSigned'] as const)(
    'matches the full X.509 parse for %s',
    (leaf) => {
      const cert = new X509Certificate(pki[leaf].cert)
      const expected = createHash('sha256')
        .update(cert.publicKey.export({ type: 'spki', format: 'der' }))
        .digest('base64')
      expect(spkiSha256(cert.raw)).toBe(expected)
      expect(spkiSha256(cert.raw)).toBe(pki[leaf].spki)
    },
  )

  it('throws (never returns a hash) on truncated or corrupted DER', () => {
    const raw = der(pki.good.cert)
    for (const n of [0, 1, 10, 100, raw.length - 1]) expect(() => spkiSha256(raw.subarray(0, n))).toThrow()
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        try {
          expect(spkiSha256(bytes)).toMatch(/^[A-Za-z0-9+/]{43}=$/)
        } catch (e) {
          expect(e).toBeInstanceOf(Error)
        }
      }),
    )
  })
})
