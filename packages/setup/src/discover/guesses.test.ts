import { describe, expect, it } from 'vitest'
import { rankCandidates } from './candidate.js'
import { guessCandidates } from './guesses.js'

describe('guessCandidates', () => {
  const guesses = rankCandidates(guessCandidates('example.test'))

  it('never guesses port 25 or a cleartext transport', () => {
    expect(guesses.some((c) => c.port === 25)).toBe(false)
    expect(guesses.every((c) => c.transport === 'implicit-tls' || c.transport === 'starttls')).toBe(true)
  })

  it('labels every guess needs-confirmation with reason guessed', () => {
    expect(
      guesses.every(
        (c) => c.source === 'guess' && c.trust.level === 'needs-confirmation' && c.trust.reason === 'guessed',
      ),
    ).toBe(true)
  })

  it('pairs standard ports with their transports', () => {
    const pairs = new Set(guesses.map((c) => `${c.service}:${c.port}:${c.transport}`))
    expect([...pairs].sort()).toEqual([
      'imap:143:starttls',
      'imap:993:implicit-tls',
      'pop3:110:starttls',
      'pop3:995:implicit-tls',
      'submission:465:implicit-tls',
      'submission:587:starttls',
    ])
  })

  it('tries the service-named host first and the bare domain last', () => {
    const imapHosts = [...new Set(guesses.filter((c) => c.service === 'imap').map((c) => c.host))]
    expect(imapHosts).toEqual(['imap.example.test', 'mail.example.test', 'example.test'])
    const popHosts = [...new Set(guesses.filter((c) => c.service === 'pop3').map((c) => c.host))]
    expect(popHosts).toEqual(['pop3.example.test', 'pop.example.test', 'mail.example.test', 'example.test'])
    const smtpHosts = [...new Set(guesses.filter((c) => c.service === 'submission').map((c) => c.host))]
    expect(smtpHosts).toEqual(['smtp.example.test', 'mail.example.test', 'example.test'])
  })
})
