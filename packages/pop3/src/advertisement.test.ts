import { describe, expect, it } from 'vitest'
import { advertisementFromCapa } from './advertisement.js'

describe('advertisementFromCapa', () => {
  it('reads the DEEP status tags and the https status URL (DEEP -04 §7.2)', () => {
    expect(advertisementFromCapa('tls12 TLS-CERT <https://status.example.test/mail>', [])).toEqual({
      deep: { tags: ['tls12', 'tls-cert'], url: 'https://status.example.test/mail' },
    })
  })

  it('reads a -05 STS policy from the CAPA lines (-05 §9.2)', () => {
    const caps = ['USER', 'STS tls-version=1.3; tls-cert=pkix; sts-url=https://status.example.test/sts']
    expect(advertisementFromCapa(undefined, caps)).toEqual({
      sts: { tlsVersion: '1.3', tlsCert: 'pkix', stsUrl: 'https://status.example.test/sts' },
    })
  })

  it('treats a bare DEEP as an empty status', () => {
    expect(advertisementFromCapa('', ['DEEP'])).toEqual({ deep: { tags: [] } })
  })

  it('returns undefined when the server advertises nothing', () => {
    expect(advertisementFromCapa(undefined, ['USER', 'SASL PLAIN'])).toBeUndefined()
  })

  it('drops malformed tokens and non-https URLs instead of failing (DEEP -04 §5.3)', () => {
    expect(advertisementFromCapa('<http://plain.example/> 9bad tls12', [])).toEqual({
      deep: { tags: ['tls12'] },
    })
    expect(advertisementFromCapa('x'.repeat(5000), [])).toBeUndefined()
  })
})
