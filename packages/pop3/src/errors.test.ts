import { createHash } from 'node:crypto'
import { ErrorCode, ErrorMessages, isSdkError, SdkError } from '@mua-sts/core'
import { describe, expect, it } from 'vitest'
import {
  closedAfter,
  isPop3Error,
  loginRefused,
  Pop3Error,
  Pop3ErrorCode,
  type PreTlsRecord,
  preTlsFailure,
  redactSecrets,
  responseCodeOf,
  SERVER_TEXT_MAX,
  sanitizeServerText,
  UnsolicitedData,
} from './errors.js'

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
      AuthFailed: 'MUASTS_ERR_AUTH_FAILED',
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

describe('loginRefused (one code per meaning: AUTH_FAILED for rejected credentials, as IMAP and SMTP)', () => {
  const err = (text: string) => ({ ok: false, text: Buffer.from(text, 'latin1') })

  it.each([
    ['PASS', '[AUTH] invalid password', 'AUTH'],
    ['USER', 'no such mailbox', undefined],
    ['AUTH PLAIN', '', undefined],
    ['PASS', '[SYS/TEMPX] odd', 'SYS/TEMPX'],
  ] as const)(
    'turns -ERR to %s "%s" into AUTH_FAILED unless the code names another cause',
    (step, text, rc) => {
      const error = loginRefused(step, err(text), [])
      const expected = rc?.startsWith('SYS/') ? Pop3ErrorCode.CommandFailed : Pop3ErrorCode.AuthFailed
      expect(error).toMatchObject({ code: expected, step, responseCode: rc })
      expect(isSdkError(error, expected)).toBe(true)
    },
  )

  it.each(['IN-USE', 'LOGIN-DELAY', 'SYS/TEMP', 'SYS/PERM', 'sys/temp'])(
    'keeps COMMAND_FAILED for [%s]: the credentials may be right (RFC 2449 §8, RFC 3206)',
    (rc) => {
      const error = loginRefused('PASS', err(`[${rc}] later`), [])
      expect(error.code).toBe(Pop3ErrorCode.CommandFailed)
      expect(error.message).toBe(
        `The POP3 server refused the login at PASS for a reason other than the credentials ([${rc}] later). Try again later; the SDK sent no command after the refusal.`,
      )
    },
  )

  it('says what happened and what to do, with sanitized text and the secrets redacted', () => {
    const error = loginRefused('PASS', err('bad s3cret \u001b[31m for alice'), ['s3cret', 'alice'])
    expect(error.message).toBe(
      'The POP3 server rejected the user name or password (bad [redacted] \ufffd[31m for [redacted]). Check the credentials; the SDK sent no command after the refusal.',
    )
    expect(error.serverText).toBe('bad [redacted] \ufffd[31m for [redacted]')
    const bare = loginRefused('AUTH XOAUTH2', err(''), [])
    expect(bare.message).toBe(
      'The POP3 server rejected the access token. Get a fresh token; the SDK sent no command after the refusal.',
    )
  })
})

const b = (s: string) => Buffer.from(s, 'latin1')

describe('responseCodeOf (RFC 2449 §8)', () => {
  it('extracts hierarchical codes and ignores anything that is not one', () => {
    expect(responseCodeOf(b('[SYS/TEMP] try later'))).toBe('SYS/TEMP')
    expect(responseCodeOf(b('[AUTH] bad'))).toBe('AUTH')
    expect(responseCodeOf(b('no code'))).toBeUndefined()
    expect(responseCodeOf(b('[BAD CODE] x'))).toBeUndefined()
    expect(responseCodeOf(b(`[${'A'.repeat(65)}]`))).toBeUndefined()
  })
})

describe('preTlsFailure (the anomaly the Guard judges a pre-TLS failure by)', () => {
  const record = (step: PreTlsRecord['step']): PreTlsRecord => ({
    step,
    capsBeforeTls: ['STLS', 'USER'],
    greetingBeforeTls: 'ready',
  })

  it("passes an error that is not this package's through unchanged", () => {
    const bug = new TypeError('not ours')
    expect(preTlsFailure(bug, 'starttls', record('CAPA'), 10)).toBe(bug)
  })

  it('turns unsolicited data into untagged_before_tls at the current step, the bytes as evidence of kind line', () => {
    const bytes = Buffer.from('+OK begin\r\n')
    const cause = new UnsolicitedData('POP3 server sent data while no command was pending', bytes)
    const failure = preTlsFailure(cause, 'starttls', record('STLS'), 40)
    expect(failure).toBeInstanceOf(Pop3Error)
    expect(failure).toMatchObject({
      code: Pop3ErrorCode.Protocol,
      step: 'STLS',
      message: 'POP3 server sent data while no command was pending',
      cause,
      anomaly: {
        code: 'untagged_before_tls',
        transport: 'starttls',
        step: 'STLS',
        capsBeforeTls: ['STLS', 'USER'],
        serverOctets: 40,
        evidence: [
          { kind: 'line', bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') },
        ],
      },
    })
  })

  it('keeps the step the failing read named, over the step the record was in', () => {
    const timeout = new Pop3Error(Pop3ErrorCode.Timeout, 'POP3 greeting timed out after 5 ms', {
      step: 'greeting',
    })
    expect(preTlsFailure(timeout, 'starttls', record('CAPA'), 0)).toMatchObject({
      code: Pop3ErrorCode.Timeout,
      step: 'greeting',
      anomaly: { code: 'timeout', step: 'CAPA', evidence: [] },
    })
  })

  it("falls back to the record's step when the error names none", () => {
    const framing = new Pop3Error(Pop3ErrorCode.Protocol, 'POP3 server sent a malformed CAPA line')
    expect(preTlsFailure(framing, 'starttls', record('CAPA'), 9)).toMatchObject({
      step: 'CAPA',
      anomaly: { code: 'protocol_error', step: 'CAPA', evidence: [] },
    })
  })

  it('judges a TLS failure without a Node error code as tls_handshake_failed, not a hang-up', () => {
    const tls = new Pop3Error(Pop3ErrorCode.TlsUnavailable, 'POP3 TLS handshake failed')
    expect(preTlsFailure(tls, 'implicit-tls', record('handshake'), 0)).toMatchObject({
      code: Pop3ErrorCode.TlsUnavailable,
      anomaly: { code: 'tls_handshake_failed', tlsErrorCode: undefined, evidence: [] },
    })
  })
})
