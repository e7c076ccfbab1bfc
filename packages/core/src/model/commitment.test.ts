import { describe, expect, it } from 'vitest'
import { CommitmentSchema, createCommitment } from './commitment.js'

const base = {
  account: 'acct_1',
  service: 'imap' as const,
  port: 993,
  transport: 'implicit-tls' as const,
  source: 'setup' as const,
  now: '2026-01-01T00:00:00.000Z',
}

describe('createCommitment()', () => {
  it('canonicalises the host and starts with the RFC 8997 floor, no latches and no expiry field', () => {
    const c = createCommitment({ ...base, host: 'IMAP.Example.NET.' })
    expect(c.endpoint).toEqual({ host: 'imap.example.net', port: 993, transport: 'implicit-tls' })
    expect(c).toMatchObject({ minLevel: 'high', tlsFloor: 'TLSv1.2', latches: [], directives: {} })
    expect(JSON.stringify(c)).not.toMatch(/expir|max-?age|ttl/i)
  })

  it.each([
    ['a host with a space', { host: 'bad host' }, 'endpoint.host'],
    ['a port out of range', { host: 'a.example', port: 70000 }, 'endpoint.port'],
    ['a malformed pin', { host: 'a.example', pins: ['not-a-pin'] }, 'pins.spki[0]'],
    ['a username as account ref', { host: 'a.example', account: 'alice@example.net' }, 'account'],
  ])('refuses %s with MUASTS_ERR_INVALID_OPTION naming the field', (_w, patch, path) => {
    expect(() => createCommitment({ ...base, ...patch })).toThrow(
      expect.objectContaining({ code: 'MUASTS_ERR_INVALID_OPTION', message: expect.stringContaining(path) }),
    )
  })

  it('records the mail domain canonicalised, and leaves it out when setup did not know it', () => {
    expect(createCommitment({ ...base, host: 'imap.example.net', domain: 'Example.NET.' }).domain).toBe(
      'example.net',
    )
    expect(createCommitment({ ...base, host: 'imap.example.net' })).not.toHaveProperty('domain')
    expect(() => createCommitment({ ...base, host: 'imap.example.net', domain: 'bad domain' })).toThrow(
      expect.objectContaining({
        code: 'MUASTS_ERR_INVALID_OPTION',
        message: expect.stringContaining('domain'),
      }),
    )
  })

  it('still parses a commitment stored before the domain field existed', () => {
    const stored = JSON.parse(JSON.stringify(createCommitment({ ...base, host: 'imap.example.net' })))
    expect(stored.domain).toBeUndefined()
    expect(CommitmentSchema.parse(stored)).toEqual(stored)
  })

  it('keeps primary and backup pins disjoint (a key given as both is primary)', () => {
    const k1 = 'nepCG63SQk7VQwivq6J35v5+U5DplzE7dYI0fCC/lj0='
    const k2 = 'dVdECK5yWe84Ot1ck6dn2YLDL2YIRCESeHpQ36U0oeQ='
    const c = createCommitment({ ...base, host: 'a.example', pins: [k1], backupPins: [k2, k1] })
    expect(c.pins).toEqual({ spki: [k1], backup: [k2] })
  })
})
