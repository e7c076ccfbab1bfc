import { ErrorCode, SdkError } from '@mua-sts/core'
import { describe, expect, it } from 'vitest'
import { toImapError } from './imap-errors.js'

const err = (props: Record<string, unknown>, message = 'boom') => Object.assign(new Error(message), props)

// What imapflow 2.10.2 rejects LOGIN with when the server answers `A2 NO [AUTHENTICATIONFAILED] …`.
const loginRefused = (text: string, responseCode = 'AUTHENTICATIONFAILED') =>
  err(
    {
      authenticationFailed: true,
      serverResponseCode: responseCode,
      responseStatus: 'NO',
      responseText: text,
    },
    'Command failed',
  )

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

  it('says a refused login was refused, quotes the sanitized answer, and says what to do', () => {
    const e = toImapError(loginRefused('Authentication failed.'), true)
    expect(e.code).toBe(ErrorCode.AuthFailed)
    expect(e.message).toBe(
      'The IMAP server rejected the login (NO [AUTHENTICATIONFAILED] Authentication failed.). Check the username and password (or the access token).',
    )
    expect(e.message).not.toContain('Command failed')
    expect(e.details).toEqual({ serverResponseCode: 'AUTHENTICATIONFAILED' })
  })

  it('strips markup, escapes and bidi tricks from the quoted answer, and bounds it', () => {
    const hostile = `<img src=x onerror=alert(1)> \u001b]0;pwned\u0007 \u202e${'x'.repeat(500)}`
    const e = toImapError(loginRefused(hostile, '<svg/onload=alert(1)>'), true)
    expect(e.code).toBe(ErrorCode.AuthFailed)
    expect(e.message).toMatch(/^The IMAP server rejected the login \(NO /)
    expect(e.message).toContain('Check the username and password')
    expect(e.message).not.toMatch(/[<>\u001b\u0007\u202e]|svg/)
    expect(e.message.length).toBeLessThan(300)
    expect(e.details).toEqual({ serverResponseCode: 'unrecognised' })
  })

  it('never uses server text from before TLS, and says no credentials were sent', () => {
    const e = toImapError(
      err({ code: 'NoConnection' }, 'Connection closed: Click http://phish.example.invalid'),
      false,
    )
    expect(e.message).not.toContain('phish')
    expect(e.message).toBe(
      'The IMAP connection failed before TLS was established (NoConnection); no credentials were sent. Check the network and the server settings, then try again.',
    )
  })

  it('never quotes a pre-TLS BYE or response text', () => {
    const e = toImapError(
      err({ responseStatus: 'BYE', responseText: 'call +1-555-0100 now' }, 'Command failed'),
      false,
    )
    expect(e.message).not.toMatch(/555|call/)
  })

  it('says the authenticated server closed the connection, with its sanitized words', () => {
    const e = toImapError(err({ responseStatus: 'BYE', responseText: 'Too many <b>connections</b>' }), true)
    expect(e.code).toBe(ErrorCode.Connection)
    expect(e.message).toBe(
      'The IMAP server closed the connection (BYE Too many bconnections/b). Try again later.',
    )
  })

  it('names a refused command during connect instead of "Command failed"', () => {
    const e = toImapError(
      err({ responseStatus: 'BAD', responseText: 'Unknown command' }, 'Command failed'),
      true,
    )
    expect(e.message).toBe(
      'The IMAP server refused a command while connecting (BAD Unknown command); the connection was closed. Try again later.',
    )
  })

  it("keeps imapflow's sanitized message once the server was authenticated", () => {
    const e = toImapError(err({}, 'Mailbox is locked'), true)
    expect(e.message).toBe('The IMAP connection failed (Mailbox is locked). Check the network and try again.')
  })

  it('says what to do on a timeout and on an oversized response', () => {
    expect(toImapError(err({ code: 'GREETING_TIMEOUT' }), true).message).toContain(
      'did not answer in time (GREETING_TIMEOUT). Try again later',
    )
    expect(toImapError(err({ code: 'LiteralTooLarge' }), true).message).toContain(
      'over the size limit (LiteralTooLarge)',
    )
  })
})
