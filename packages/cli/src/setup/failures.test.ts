// Wrong password and security refusal are told apart in words and in exit codes.
import { ErrorCode } from '@mua-sts/core'
import { describe, expect, it } from 'vitest'
import { EXIT } from '../exit.js'
import { exitForFailures, explainFailure } from './failures.js'

const failure = (code: string, service: 'imap' | 'pop3' | 'submission' = 'imap') => ({
  service,
  code,
  message: 'IMAP connection failed:\r\n  Authentication failed.',
  error: new Error('x'),
})

describe('explainFailure', () => {
  it('says a rejected login is about the user name or password', () => {
    const f = explainFailure(failure(ErrorCode.AuthFailed))
    expect(f).toMatchObject({ kind: 'credentials', code: ErrorCode.AuthFailed, service: 'imap' })
    expect(f.message).toContain('rejected the user name or password')
    expect(f.detail).toBe('IMAP connection failed: Authentication failed.')
  })

  it('says a guard refusal is a security refusal and that the password was not sent', () => {
    const f = explainFailure(failure(ErrorCode.CommitmentViolated, 'submission'))
    expect(f.kind).toBe('security')
    expect(f.message).toContain('SMTP submission server did not meet the security requirements')
    expect(f.message).toContain('the password was not sent')
  })

  it('reads a POP3 -ERR to PASS or AUTH as rejected credentials, unless the server says SYS/ or IN-USE', () => {
    const pop3 = (step: string, responseCode?: string) =>
      explainFailure({
        service: 'pop3',
        code: ErrorCode.Pop3CommandFailed,
        message: 'POP3 PASS failed',
        error: { step, responseCode },
      }).kind
    expect(pop3('PASS')).toBe('credentials')
    expect(pop3('AUTH PLAIN', 'AUTH')).toBe('credentials')
    expect(pop3('PASS', 'SYS/TEMP')).toBe('other')
    expect(pop3('PASS', 'IN-USE')).toBe('other')
    expect(pop3('STAT')).toBe('other')
  })

  it('ranks a security refusal above a wrong password above the network', () => {
    const k = (...codes: string[]) => exitForFailures(codes.map((c) => explainFailure(failure(c))))
    expect(k(ErrorCode.AuthFailed, ErrorCode.CommitmentViolated)).toBe(EXIT.refused)
    expect(k(ErrorCode.Timeout, ErrorCode.AuthFailed)).toBe(EXIT.credentials)
    expect(k(ErrorCode.Connection)).toBe(EXIT.network)
    expect(k(ErrorCode.Protocol)).toBe(EXIT.refused)
  })
})
