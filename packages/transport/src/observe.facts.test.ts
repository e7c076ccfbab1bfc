// What observe*() records from facts it is handed rather than a live handshake: a socket whose facts are
// missing or not tokens, a handshake error, and what the protocol adapter read before and after TLS.
import type tls from 'node:tls'
import { ErrorCode } from '@mua-sts/core'
import { describe, expect, it } from 'vitest'
import { testPki } from '../../../test/support/certs.js'
import { commitment, FACTS } from './observe.fixtures.js'
import { observeHandshakeFailure, observePreTls, observeSecureSocket, type SessionFacts } from './observe.js'
import { createTlsParams } from './tls-params.js'

const pki = testPki()

describe('socket facts that are missing or not tokens', () => {
  const params = createTlsParams(commitment(993), { ca: pki.caCert })
  const socket = (over: Record<string, unknown>) =>
    ({
      destroyed: false,
      authorized: true,
      authorizationError: null,
      getCipher: () => ({ name: 'TLS_AES_128_GCM_SHA256', standardName: 'TLS_AES_128_GCM_SHA256' }),
      getProtocol: () => 'TLSv1.3',
      ...over,
    }) as unknown as tls.TLSSocket

  it.each([
    ['no cipher name', { getCipher: () => ({}) }],
    ['an empty cipher name', { getCipher: () => ({ name: '', standardName: '' }) }],
    ['no protocol', { getProtocol: () => null }],
    ['an empty protocol', { getProtocol: () => '' }],
  ])('refuses to guess with %s', (_, over) => {
    expect(() => observeSecureSocket(socket(over), params, FACTS)).toThrow(
      expect.objectContaining({
        code: ErrorCode.Connection,
        message: 'The TLS connection closed before it could be checked.',
        details: { phase: 'check' },
      }),
    )
  })

  it('keeps a protocol or cipher that is not a token out of the observation', () => {
    const o = observeSecureSocket(
      socket({
        getProtocol: () => 'TLSv1.3 <b>',
        getCipher: () => ({ name: 'AES 128 <script>', standardName: undefined }),
      }),
      params,
      FACTS,
    )
    expect(o.tls).toMatchObject({ version: 'unknown', cipher: 'unknown' })
  })

  it('records no chain error for a socket that carries none', () => {
    const o = observeSecureSocket(socket({ authorizationError: undefined }), params, FACTS)
    expect(o.certificate).toMatchObject({ chainTrusted: true, expired: false })
    expect(o.certificate).not.toHaveProperty('chainError')
  })

  it('records a verify error that is not a token as CERT_UNTRUSTED, never its text', () => {
    const o = observeSecureSocket(
      socket({ authorized: false, authorizationError: 'certificate rejected: <b>call us</b>' }),
      params,
      FACTS,
    )
    expect(o.certificate).toMatchObject({ chainTrusted: false, chainError: 'CERT_UNTRUSTED', expired: false })
  })
})

describe('observeHandshakeFailure()', () => {
  const params = createTlsParams(commitment(993), { ca: pki.caCert })

  it.each([
    'CERT_HAS_EXPIRED',
    'CERT_NOT_YET_VALID',
    'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    'UNABLE_TO_GET_ISSUER_CERT',
    'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
    'DEPTH_ZERO_SELF_SIGNED_CERT',
    'SELF_SIGNED_CERT_IN_CHAIN',
    'CERT_UNTRUSTED',
    'CERT_REVOKED',
    'CERT_SIGNATURE_FAILURE',
    'INVALID_CA',
    'CERT_CHAIN_TOO_LONG',
    'INVALID_PURPOSE',
    'CERT_REJECTED',
  ])('classifies %s as an untrusted chain, not a handshake error', (code) => {
    const o = observeHandshakeFailure(Object.assign(new Error('x'), { code }), params, FACTS)
    expect(o.certificate).toStrictEqual({
      chainTrusted: false,
      chainError: code,
      expired: code === 'CERT_HAS_EXPIRED',
      nameMatch: null,
    })
    expect(o.handshakeError).toBeUndefined()
  })

  it.each([
    ['no error', undefined],
    ['an error without a code', new Error('socket hang up')],
  ])('records %s as TLS_HANDSHAKE_FAILED', (_, error) => {
    const o = observeHandshakeFailure(error, params, FACTS)
    expect(o.handshakeError).toBe('TLS_HANDSHAKE_FAILED')
    expect(o.certificate).toBeUndefined()
  })

  it('a name mismatch whose key could not be read carries no key', () => {
    const mismatch = Object.assign(new Error('x'), { code: 'ERR_TLS_CERT_ALTNAME_INVALID' })
    const o = observeHandshakeFailure(mismatch, { ...params, identity: { nameMatch: false } }, FACTS)
    expect(o.certificate).toStrictEqual({ chainTrusted: true, expired: false, nameMatch: false })
  })
})

describe('facts taken over from the adapter', () => {
  const pre = (over: Partial<SessionFacts>) =>
    observePreTls({
      service: 'imap',
      endpoint: { host: 'localhost', port: 143 },
      transport: 'plaintext',
      ...over,
    })

  it('records no capabilities when none were read', () => {
    expect(pre({})).toMatchObject({ capsBeforeTls: [], capsAfterTls: [] })
  })

  it('keeps at most 256 post-TLS capabilities and drops entries that sanitise to nothing', () => {
    const many = Array.from({ length: 300 }, (_, i) => `X-CAP-${i}`)
    expect(pre({ capsAfterTls: many }).capsAfterTls).toEqual(many.slice(0, 256))
    expect(pre({ capsAfterTls: ['IDLE', '<>', '\u0007', 'MOVE'] }).capsAfterTls).toEqual(['IDLE', 'MOVE'])
  })

  it('keeps at most 16 pieces of evidence, and no evidence field when there is none', () => {
    const item = (i: number) => ({ kind: 'line' as const, bytes: i + 1, sha256: 'b'.repeat(64) })
    const many = Array.from({ length: 20 }, (_, i) => item(i))
    expect(pre({ evidence: many }).evidence).toEqual(many.slice(0, 16))
    expect(pre({ evidence: [] })).not.toHaveProperty('evidence')
  })

  it('records only the advertisement parts that were read after TLS', () => {
    expect(pre({ advertisement: { deep: undefined, sts: undefined } })).not.toHaveProperty('advertisement')
    expect(pre({ advertisement: { deep: { tags: ['tls12'] } } }).advertisement).toStrictEqual({
      deep: { tags: ['tls12'] },
    })
  })
})
