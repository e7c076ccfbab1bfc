// The DANE half of the gate (#15): TLS options keep PKIX inside the handshake for every commitment
// except a DANE-only one, the TLSA lookup only starts with a resolver and a host name, and a DANE
// requirement is never written by a guard that cannot check it.
import { type Commitment, ErrorCode, isSdkError } from '@mua-sts/core'
import { FIXED_NOW, goodObservation, sampleCommitment } from '@mua-sts/core/testing'
import { MemoryCommitmentStore } from '@mua-sts/store'
import { describe, expect, it } from 'vitest'
import { Guard } from './guard.js'

// A port nothing answers on: the lookups these tests start are never awaited, only cancelled by GC.
const dane = { address: '127.0.0.1:9', timeoutMs: 100 }

function guard(c: Commitment, withDane: boolean) {
  const store = new MemoryCommitmentStore()
  const g = new Guard(
    { account: c.account, store, now: () => new Date(FIXED_NOW), ...(withDane ? { dane } : {}) },
    c.service,
    '@mua-sts/test',
  )
  return { g, store }
}

const dnsHost = (over: Partial<Commitment>) =>
  sampleCommitment({ endpoint: { host: 'imap.example.net', port: 993, transport: 'implicit-tls' }, ...over })

describe('Guard TLS parameters with DANE', () => {
  it('relaxes the handshake chain check only for a DANE-only commitment with a resolver', () => {
    const daneOnly = [
      dnsHost({ latches: ['tls12', 'tls-dane-tlsa'] }),
      dnsHost({ latches: [], directives: { tlsCert: 'dane' } }),
    ]
    for (const c of daneOnly) {
      const p = guard(c, true).g.tlsParams(c)
      expect(p.options.rejectUnauthorized).toBe(false)
      expect(p.dane?.relaxPkix).toBe(true)
      expect(typeof p.options.lookup).toBe('function')
    }
  })

  it('keeps rejectUnauthorized for pkix+dane, tls-cert, no DANE requirement, or no resolver', () => {
    const cases: Array<[Commitment, boolean]> = [
      [dnsHost({ latches: ['tls-cert', 'tls-dane-tlsa'] }), true],
      [dnsHost({ latches: ['tls12'], directives: { tlsCert: 'pkix+dane' } }), true],
      [dnsHost({ latches: ['tls-cert'] }), true],
      [dnsHost({ latches: ['tls12', 'tls-dane-tlsa'] }), false],
    ]
    for (const [c, withDane] of cases) {
      const p = guard(c, withDane).g.tlsParams(c)
      expect(p.options.rejectUnauthorized).toBe(true)
      expect(p.dane?.relaxPkix ?? false).toBe(false)
    }
  })

  it('starts no TLSA lookup for an IP-literal endpoint, and so never relaxes PKIX for it', () => {
    const c = sampleCommitment({
      endpoint: { host: '127.0.0.1', port: 993, transport: 'implicit-tls' },
      latches: ['tls-dane-tlsa'],
    })
    const p = guard(c, true).g.tlsParams(c)
    expect(p.dane).toBeUndefined()
    expect(p.options.rejectUnauthorized).toBe(true)
  })

  it('refuses a non-loopback resolver at construction', () => {
    const c = dnsHost({})
    expect(
      () =>
        new Guard(
          { account: c.account, store: new MemoryCommitmentStore(), dane: { address: '9.9.9.9' } },
          'imap',
          'x',
        ),
    ).toThrow(expect.objectContaining({ code: ErrorCode.InvalidOption }))
  })
})

describe('Guard.learn() and DANE (#15 item 4)', () => {
  const advertisesDane = goodObservation({
    dane: { status: 'valid' },
    advertisement: { sts: { tlsCert: 'dane' }, deep: { tags: ['tls-dane-tlsa'] } },
  })

  it('refuses with MUASTS_ERR_DANE_UNAVAILABLE to write a DANE requirement without a resolver', async () => {
    const c = sampleCommitment()
    const { g, store } = guard(c, false)
    await store.strengthen(c)
    const error = await g.learn(c, advertisesDane).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(isSdkError(error, ErrorCode.DaneUnavailable)).toBe(true)
    expect(await store.get(c.account, c.service)).toEqual(c)
  })

  it('writes it when the guard has a resolver', async () => {
    const c = sampleCommitment()
    const { g, store } = guard(c, true)
    await store.strengthen(c)
    const learned = await g.learn(c, advertisesDane)
    expect(learned.latches).toContain('tls-dane-tlsa')
    expect((await store.get(c.account, c.service))?.latches).toContain('tls-dane-tlsa')
  })
})
