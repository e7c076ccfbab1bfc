// TrustOptions: one shape, anchors checked when options are parsed, and errors that name the option
// path and the problem without quoting what was passed (it may be a private key).
import { readFileSync } from 'node:fs'
import { ErrorCode, isSdkError, parseOptions } from '@mua-sts/core'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import * as z from 'zod'
import { testPki } from '../../../test/support/certs.js'
import { GuardOptionsSchema } from './guard-options.js'
import { caProblem, TrustOptionsSchema } from './trust-options.js'

const pki = testPki()

function parseError(trust: unknown): { message: string; code: string } {
  try {
    parseOptions(z.strictObject({ trust: TrustOptionsSchema }), { trust }, 'imap')
  } catch (error) {
    if (!isSdkError(error)) throw error
    return { message: error.message, code: error.code }
  }
  throw new Error('expected a parse error')
}

describe('TrustOptionsSchema', () => {
  it('accepts CA certificates, a list of them, a bundle with comments, self-signed roots and a lookup', () => {
    const lookup = () => {}
    const bundle = `# enterprise roots\n${pki.caCert}\n${pki.otherCaCert}`
    for (const trust of [
      { ca: pki.caCert },
      { ca: [pki.caCert, pki.otherCaCert], lookup },
      { ca: bundle },
      { ca: pki.selfSigned.cert },
      { lookup },
      {},
    ])
      expect(parseOptions(TrustOptionsSchema, trust, 'imap')).toEqual(trust)
  })

  it.each([
    ['garbage', 'garbage', 'holds no PEM certificate'],
    ['/etc/hostname', readFileSync('/etc/hostname', 'utf8'), 'holds no PEM certificate'],
    ['a private key', pki.good.key, 'holds a "PRIVATE KEY" PEM block'],
    ['a leaf certificate', pki.good.cert, 'is neither a CA certificate'],
    [
      'a broken certificate',
      '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n',
      'does not parse as X.509',
    ],
  ])('refuses %s as trust.ca[1] with a coded error that does not echo it', (_what, bad, problem) => {
    const e = parseError({ ca: [pki.caCert, bad] })
    expect(e.code).toBe(ErrorCode.InvalidOption)
    expect(e.message).toContain('imap options.trust.ca[1]: ')
    expect(e.message).toContain(problem)
    expect(e.message).not.toContain(bad.trim())
  })

  it('names trust.ca for a single string, and refuses unknown keys', () => {
    expect(parseError({ ca: 'garbage' }).message).toBe(
      'imap options.trust.ca: holds no PEM certificate (expected -----BEGIN CERTIFICATE----- blocks)',
    )
    expect(parseError({ ca: pki.caCert, servername: 'x' }).message).toContain('servername')
  })

  it('refuses a private key even next to a valid CA', () => {
    expect(parseError({ ca: `${pki.caCert}\n${pki.good.key}` }).message).toContain('PRIVATE KEY')
  })

  it('is what the guards take: garbage in GuardOptions.trust.ca is refused before any connection', () => {
    const store = { get: async () => undefined, strengthen: async () => undefined }
    const r = GuardOptionsSchema.safeParse({ account: 'a1', store, trust: { ca: ['x'] } })
    expect(r.success).toBe(false)
    expect(r.error?.issues[0]?.path).toEqual(['trust', 'ca', 0])
  })

  it('never throws and never quotes its input, whatever text it is given (property)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 8, maxLength: 400 }), (text) => {
        const problem = caProblem(text)
        expect(problem).toBeTypeOf('string')
        expect(problem).not.toContain(text)
      }),
    )
    // PEM-looking input with random bodies: still a verdict, never an exception.
    fc.assert(
      fc.property(fc.base64String({ maxLength: 600 }), (body) => {
        const problem = caProblem(`-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----`)
        expect(problem).toBeTypeOf('string')
      }),
    )
  })

  it('checks a given PEM text once: parsing the same options again costs a cache lookup', () => {
    const big = Array.from({ length: 40 }, () => pki.caCert).join('\n')
    parseOptions(TrustOptionsSchema, { ca: big }, 'imap')
    const t0 = performance.now()
    for (let i = 0; i < 200; i++) parseOptions(TrustOptionsSchema, { ca: big }, 'imap')
    const perParse = (performance.now() - t0) / 200
    const t1 = performance.now()
    caProblem(big)
    const fresh = performance.now() - t1
    expect(perParse).toBeLessThan(fresh)
  })
})
