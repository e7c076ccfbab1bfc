import { describe, expect, it } from 'vitest'
import { Pop3Client, Pop3ConnectOptionsSchema, Pop3ErrorCode } from './index.js'
import { nodeTlsOptions, parseOptions } from './options.js'
import { servernameFor } from './tls-upgrade.js'

const gate = async () => {}
const base = { host: 'pop.example.test', port: 995, transport: 'implicit-tls', gate } as const

describe('Pop3ConnectOptions validation', () => {
  it('applies secure defaults: TLS 1.2 floor, certificate verification on, bounded timeouts and sizes', () => {
    const o = parseOptions(Pop3ConnectOptionsSchema, base, 'test')
    expect(o.tls).toEqual({ minVersion: 'TLSv1.2', rejectUnauthorized: true })
    expect(o.timeouts).toEqual({
      connectMs: 15_000,
      greetingMs: 15_000,
      handshakeMs: 15_000,
      commandMs: 30_000,
      gateMs: 30_000,
    })
    expect(o.limits).toEqual({ maxMessageBytes: 64 * 1024 * 1024, maxListingBytes: 8 * 1024 * 1024 })
  })

  it.each([
    ['a cleartext transport', { transport: 'plain' }, /options\.transport/],
    [
      'TLS session reuse',
      { tls: { session: Buffer.from('x') } },
      /options\.tls: Unrecognized key: "session"/,
    ],
    ['a TLS floor below 1.2', { tls: { minVersion: 'TLSv1.1' } }, /options\.tls\.minVersion/],
    [
      'maxVersion below minVersion',
      { tls: { minVersion: 'TLSv1.3', maxVersion: 'TLSv1.2' } },
      /options\.tls\.maxVersion/,
    ],
    ['a caller-built secure context', { tls: { secureContext: {} } }, /Unrecognized key/],
    ['a missing gate', { gate: undefined }, /options\.gate/],
    ['a gate that is not a function', { gate: 'yes' }, /options\.gate: expected a gate function/],
    ['a port out of range', { port: 70_000 }, /options\.port/],
    ['a host with spaces', { host: 'pop example' }, /options\.host/],
    ['a zero timeout', { timeouts: { commandMs: 0 } }, /options\.timeouts\.commandMs/],
    ['an unknown top-level key', { secure: false }, /Unrecognized key: "secure"/],
  ])('rejects %s with MUASTS_ERR_INVALID_OPTION naming the path', async (_, patch, message) => {
    const error = await Pop3Client.connect({ ...base, ...patch } as never).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: Pop3ErrorCode.InvalidOption })
    expect((error as Error).message).toMatch(/^Pop3Client\.connect options/)
    expect((error as Error).message).toMatch(message)
  })

  it('does not echo rejected values in the message', async () => {
    const error = await Pop3Client.connect({ ...base, port: 'hunter2' } as never).catch((e: unknown) => e)
    expect((error as Error).message).not.toContain('hunter2')
  })
})

describe('Node TLS options', () => {
  it('passes only validated fields and never a session', () => {
    const o = parseOptions(
      Pop3ConnectOptionsSchema,
      { ...base, tls: { ca: 'PEM', maxVersion: 'TLSv1.3' } },
      'test',
    )
    expect(nodeTlsOptions(o, 'pop.example.test')).toEqual({
      host: 'pop.example.test',
      servername: 'pop.example.test',
      ca: 'PEM',
      minVersion: 'TLSv1.2',
      maxVersion: 'TLSv1.3',
      rejectUnauthorized: true,
    })
  })

  it('uses host as the SNI name unless it is an IP literal or servername is given', () => {
    const parse = (patch: object) => parseOptions(Pop3ConnectOptionsSchema, { ...base, ...patch }, 'test')
    expect(servernameFor(parse({}))).toBe('pop.example.test')
    expect(servernameFor(parse({ host: '127.0.0.1' }))).toBeUndefined()
    expect(servernameFor(parse({ host: '::1' }))).toBeUndefined()
    expect(servernameFor(parse({ host: '127.0.0.1', tls: { servername: 'mail.example.test' } }))).toBe(
      'mail.example.test',
    )
  })
})
