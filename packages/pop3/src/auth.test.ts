import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import { plainResponse, xoauth2Response } from './auth.js'
import { Pop3ErrorCode } from './errors.js'
import { Pop3CredentialsSchema, parseOptions } from './options.js'

describe('SASL encodings', () => {
  it('encodes PLAIN as NUL authcid NUL password (RFC 4616 §2) in UTF-8 base64', () => {
    expect(Buffer.from(plainResponse('tim', 'tanstaaftanstaaf'), 'base64').toString()).toBe(
      '\u0000tim\u0000tanstaaftanstaaf',
    )
    expect(Buffer.from(plainResponse('jos\u00e9', 'p\u00e4ss'), 'base64').toString('utf8')).toBe(
      '\u0000jos\u00e9\u0000p\u00e4ss',
    )
  })

  it('encodes XOAUTH2 as user=…^Aauth=Bearer …^A^A', () => {
    expect(Buffer.from(xoauth2Response('a@b.test', 'ya29.x'), 'base64').toString()).toBe(
      'user=a@b.test\u0001auth=Bearer ya29.x\u0001\u0001',
    )
  })
})

describe('Pop3CredentialsSchema', () => {
  it.each([
    { user: 'a', pass: 'p' },
    { user: 'a', pass: 'pass with spaces', mechanism: 'USER' },
    { user: 'a', accessToken: 'ya29.A0Af-_~+/=' },
  ])('accepts %j', (c) => {
    expect(Pop3CredentialsSchema.safeParse(c).success).toBe(true)
  })

  it.each([
    ['a password with CRLF (command injection)', { user: 'a', pass: 'x\r\nDELE 1' }],
    ['a password with NUL (PLAIN field separator)', { user: 'a', pass: 'x\u0000y' }],
    ['a user with a control character', { user: 'a\u0001', pass: 'p' }],
    ['an empty password', { user: 'a', pass: '' }],
    ['a token with spaces', { user: 'a', accessToken: 'two words' }],
    ['APOP', { user: 'a', pass: 'p', mechanism: 'APOP' }],
    ['both a password and a token', { user: 'a', pass: 'p', accessToken: 't' }],
  ])('rejects %s', (_, c) => {
    expect(Pop3CredentialsSchema.safeParse(c).success).toBe(false)
  })
})

describe('credential validation errors', () => {
  it('never contain the rejected credential, not even in the zod cause', () => {
    for (const bad of [
      { user: 'a', pass: 'SECRET-VALUE\r\nDELE 1' },
      { user: 'a', accessToken: 'SECRET VALUE' },
      { user: 'SECRET\u0001VALUE', pass: 'p' },
    ]) {
      let caught: unknown
      try {
        parseOptions(Pop3CredentialsSchema, bad, 'login')
      } catch (e) {
        caught = e
      }
      expect(caught).toMatchObject({ code: Pop3ErrorCode.InvalidOption })
      expect(inspect(caught, { depth: 20 })).not.toMatch(/SECRET/)
    }
  })
})
