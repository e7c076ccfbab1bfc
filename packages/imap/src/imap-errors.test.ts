import { ErrorCode, SdkError } from '@mua-sts/core'
import { describe, expect, it } from 'vitest'
import { toImapError } from './imap-errors.js'

const err = (props: Record<string, unknown>, message = 'boom') => Object.assign(new Error(message), props)

describe('toImapError', () => {
  it('passes SDK errors through unchanged', () => {
    const e = new SdkError(ErrorCode.GuardBypassed)
    expect(toImapError(e, true)).toBe(e)
  })

  it.each([
    [{ authenticationFailed: true, serverResponseCode: 'AUTHENTICATIONFAILED' }, 'MUASTS_ERR_AUTH_FAILED'],
    [{ code: 'CONNECT_TIMEOUT' }, 'MUASTS_ERR_TIMEOUT'],
    [{ code: 'GREETING_TIMEOUT' }, 'MUASTS_ERR_TIMEOUT'],
    [{ code: 'LiteralTooLarge' }, 'MUASTS_ERR_TOO_LARGE'],
    [{ code: 'ECONNREFUSED' }, 'MUASTS_ERR_CONNECTION'],
    [{}, 'MUASTS_ERR_CONNECTION'],
  ])('maps %j to %s, keeping the original as cause', (props, code) => {
    const original = err(props)
    const e = toImapError(original, true)
    expect(e.code).toBe(code)
    expect(e.cause).toBe(original)
  })

  it('never uses server text from before TLS as the message', () => {
    const e = toImapError(
      err({ code: 'NoConnection' }, 'Connection closed: Click http://phish.example.invalid'),
      false,
    )
    expect(e.message).not.toContain('phish')
    expect(e.message).toContain('before TLS')
  })

  it("keeps imapflow's message once the server was authenticated", () => {
    expect(toImapError(err({}, 'Mailbox is locked'), true).message).toContain('Mailbox is locked')
  })
})
