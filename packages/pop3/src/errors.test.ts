import { ErrorCode, ErrorMessages, isSdkError, SdkError } from '@mua-sts/core'
import { describe, expect, it } from 'vitest'
import { closedAfter, isPop3Error, Pop3Error, Pop3ErrorCode } from './errors.js'
import { redactSecrets, SERVER_TEXT_MAX, sanitizeServerText } from './server-text.js'

describe('Pop3ErrorCode', () => {
  it('pins every code (they are public API; changing one is a breaking change)', () => {
    expect(Pop3ErrorCode).toEqual({
      Protocol: 'MUASTS_ERR_POP3_PROTOCOL',
      Timeout: 'MUASTS_ERR_POP3_TIMEOUT',
      CommandFailed: 'MUASTS_ERR_POP3_COMMAND_FAILED',
      TooLarge: 'MUASTS_ERR_POP3_TOO_LARGE',
      Closed: 'MUASTS_ERR_POP3_CLOSED',
      TlsUnavailable: 'MUASTS_ERR_POP3_TLS_UNAVAILABLE',
      GuardBypassed: 'MUASTS_ERR_GUARD_BYPASSED',
      InvalidOption: 'MUASTS_ERR_INVALID_OPTION',
    })
  })

  it.each(Object.values(Pop3ErrorCode))('builds a branded Pop3Error for %s', (code) => {
    const error = new Pop3Error(code, 'message', { step: 'STAT' })
    expect(error).toMatchObject({ name: 'Pop3Error', code, message: 'message', step: 'STAT' })
    expect(isPop3Error(error, code)).toBe(true)
    expect(isPop3Error(error)).toBe(true)
  })

  it('uses only codes from the SDK-wide table, each with a default message', () => {
    for (const code of Object.values(Pop3ErrorCode)) {
      expect(Object.values(ErrorCode)).toContain(code)
      expect(ErrorMessages[code]).toMatch(/\S/)
    }
  })

  it('is an SdkError, so isSdkError(err, code) matches it', () => {
    const error = new Pop3Error(Pop3ErrorCode.TooLarge, 'big', { step: 'RETR' })
    expect(error).toBeInstanceOf(SdkError)
    expect(isSdkError(error, 'MUASTS_ERR_POP3_TOO_LARGE')).toBe(true)
  })

  it('does not claim SDK errors of other packages', () => {
    expect(isPop3Error(new SdkError(ErrorCode.CommitmentViolated))).toBe(false)
    expect(isPop3Error(new SdkError(ErrorCode.GuardBypassed), Pop3ErrorCode.GuardBypassed)).toBe(true)
  })

  it('recognises the brand across copies of the class and rejects look-alikes', () => {
    const foreign = Object.assign(new Error('x'), {
      code: Pop3ErrorCode.Closed,
      [Symbol.for('@mua-sts/error')]: true,
    })
    expect(isPop3Error(foreign, Pop3ErrorCode.Closed)).toBe(true)
    expect(isPop3Error({ code: Pop3ErrorCode.Closed })).toBe(false)
    expect(isPop3Error(new Pop3Error(Pop3ErrorCode.Timeout, 't'), Pop3ErrorCode.Closed)).toBe(false)
  })

  it('chains the earlier failure into a CLOSED error', () => {
    const first = new Pop3Error(Pop3ErrorCode.Timeout, 'slow')
    expect(closedAfter(first)).toMatchObject({ code: Pop3ErrorCode.Closed, cause: first })
  })
})

describe('sanitizeServerText', () => {
  it('replaces control, C1 and bidi characters, trims, and caps the length', () => {
    expect(sanitizeServerText(Buffer.from(' ok\u001b[2J\u0007\u202egnp.exe\u0085 '))).toBe(
      'ok\ufffd[2J\ufffd\ufffdgnp.exe\ufffd',
    )
    const long = sanitizeServerText('y'.repeat(5000))
    expect(long).toHaveLength(SERVER_TEXT_MAX + 1)
    expect(long.endsWith('…')).toBe(true)
  })

  it('decodes invalid UTF-8 leniently', () => {
    expect(sanitizeServerText(Buffer.from([0x66, 0xff, 0x6f]))).toBe('f\ufffdo')
  })
})

describe('redactSecrets', () => {
  it('replaces every occurrence of every secret and ignores empty ones', () => {
    expect(redactSecrets('bad pass hunter2 for bob (hunter2)', ['hunter2', 'bob', ''])).toBe(
      'bad pass [redacted] for [redacted] ([redacted])',
    )
  })
})
