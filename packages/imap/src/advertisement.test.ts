import { describe, expect, it } from 'vitest'
import { advertisementFromServerInfo } from './advertisement.js'

describe('advertisementFromServerInfo', () => {
  it('reads the DEEP status from "deep" (DEEP -04 §7.1)', () => {
    expect(advertisementFromServerInfo({ name: 'x', deep: 'tls12 tls-cert <https://s.example/m>' })).toEqual({
      deep: { tags: ['tls12', 'tls-cert'], url: 'https://s.example/m' },
    })
  })

  it('accepts "deep-status" as in -04\'s examples, with any case', () => {
    expect(advertisementFromServerInfo({ 'Deep-Status': 'TLS11' })).toEqual({ deep: { tags: ['tls11'] } })
  })

  it('reads a -05 policy from "sts" or "sts-policy"', () => {
    expect(advertisementFromServerInfo({ 'sts-policy': 'tls-version=1.2; tls-cert=pkix' })).toEqual({
      sts: { tlsVersion: '1.2', tlsCert: 'pkix' },
    })
  })

  it.each([null, undefined, 'text', 42, {}, { name: 'x' }, { deep: 5 }, { deep: 'bad\u0000status' }])(
    'returns undefined for %j (nothing to learn, never an error)',
    (info) => {
      expect(advertisementFromServerInfo(info)).toBeUndefined()
    },
  )

  it('keeps an empty tag list from an empty status (nothing latched)', () => {
    expect(advertisementFromServerInfo({ deep: '' })).toEqual({ deep: { tags: [] } })
  })
})
