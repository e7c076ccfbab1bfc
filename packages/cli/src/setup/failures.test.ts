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

  it('words a POP3 login refused for another reason (IN-USE, LOGIN-DELAY, SYS/) as neither password nor attack', () => {
    const pop3 = (code: string, step: string, responseCode?: string) =>
      explainFailure({ service: 'pop3', code, message: `POP3 ${step} failed`, error: { step, responseCode } })
    expect(pop3(ErrorCode.AuthFailed, 'PASS').kind).toBe('credentials')
    expect(pop3(ErrorCode.AuthFailed, 'AUTH PLAIN', 'AUTH').kind).toBe('credentials')
    for (const rc of ['LOGIN-DELAY', 'IN-USE', 'SYS/TEMP']) {
      const f = pop3(ErrorCode.Pop3CommandFailed, 'PASS', rc)
      expect(f.kind).toBe('other')
      expect(f.message).not.toContain('password')
    }
  })

  it('ranks a security refusal above a wrong password above the network', () => {
    const k = (...codes: string[]) => exitForFailures(codes.map((c) => explainFailure(failure(c))))
    expect(k(ErrorCode.AuthFailed, ErrorCode.CommitmentViolated)).toBe(EXIT.refused)
    expect(k(ErrorCode.Timeout, ErrorCode.AuthFailed)).toBe(EXIT.credentials)
    expect(k(ErrorCode.Connection)).toBe(EXIT.network)
    expect(k(ErrorCode.Protocol)).toBe(EXIT.refused)
  })
})
