import { isSdkError } from '@mua-sts/core'
import { Guard } from '@mua-sts/transport'
import { describe, expect, it, vi } from 'vitest'
import { connectPop3 } from './guard.js'
import { Pop3Client, Pop3ConnectOptionsSchema, Pop3ErrorCode } from './index.js'
import {
  nodeTlsOptions,
  parseConnectPop3Options,
  parseOptions,
  SDK_OWNED_OPTIONS,
  servernameFor,
  sessionTuning,
} from './options.js'

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

// A store that must never be read: every case here fails (or is parsed) before any I/O.
const store = {
  get: vi.fn(async () => undefined),
  strengthen: vi.fn(async (c: unknown) => c),
  list: async () => [],
  requestForget: async () => ({ confirmation: '', commitments: [] }),
  forget: async () => {
    throw new Error('unused')
  },
}

const valid = () => ({
  account: 'acct_1',
  store: store as never,
  auth: { user: 'alice@example.test', pass: 'hunter2-secret' },
})

function failure(fn: () => unknown): { code: string | undefined; message: string } {
  try {
    fn()
  } catch (e) {
    return { code: isSdkError(e) ? e.code : undefined, message: (e as Error).message }
  }
  return { code: undefined, message: '' }
}

describe('connectPop3 options', () => {
  it('accepts the guard options, credentials, timeouts and limits, and splits off the guard part', () => {
    const o = parseConnectPop3Options({
      ...valid(),
      timeoutMs: 2000,
      timeouts: { commandMs: 9000 },
      limits: { maxMessageBytes: 1024 },
    })
    expect(Object.keys(new Guard(o, 'pop3', 'test').options).sort()).toEqual([
      'account',
      'store',
      'timeoutMs',
    ])
    expect(sessionTuning(o)).toEqual({
      timeouts: { connectMs: 2000, greetingMs: 2000, handshakeMs: 2000, commandMs: 9000, gateMs: 30_000 },
      limits: { maxMessageBytes: 1024, maxListingBytes: 8 * 1024 * 1024 },
    })
  })

  it('uses the client defaults when no timeout is given', () => {
    expect(sessionTuning(parseConnectPop3Options(valid())).timeouts).toEqual({
      connectMs: 15_000,
      greetingMs: 15_000,
      handshakeMs: 15_000,
      commandMs: 30_000,
      gateMs: 30_000,
    })
  })

  it.each([
    { user: 'a', accessToken: 'ya29.token' },
    { user: 'a', pass: 'p', mechanism: 'USER' },
  ])('accepts the credentials %j', (auth) => {
    expect(() => parseConnectPop3Options({ ...valid(), auth })).not.toThrow()
  })

  it.each(Object.keys(SDK_OWNED_OPTIONS))('refuses the SDK-owned option %s by name', (key) => {
    const r = failure(() => parseConnectPop3Options({ ...valid(), [key]: key === 'port' ? 110 : 'x' }))
    expect(r.code).toBe('MUASTS_ERR_INVALID_OPTION')
    expect(r.message).toContain(`options.${key} is owned by the SDK`)
  })

  it.each([
    ['an unknown option', { unknownThing: 1 }, 'options.(root)'],
    ['a password and a token together', { auth: { user: 'a', pass: 'p', accessToken: 't' } }, 'options.auth'],
    ['a user name with CR LF', { auth: { user: 'a\r\nQUIT', pass: 'p' } }, 'options.auth'],
    ['an unknown mechanism', { auth: { user: 'a', pass: 'p', mechanism: 'APOP' } }, 'options.auth'],
    ['a timeout below 100 ms', { timeouts: { commandMs: 5 } }, 'options.timeouts.commandMs'],
    ['an unknown timeout', { timeouts: { gateMs: 500 } }, 'options.timeouts'],
    ['a zero size limit', { limits: { maxMessageBytes: 0 } }, 'options.limits.maxMessageBytes'],
    ['a bad account ref', { account: '' }, 'options.account'],
  ])('refuses %s with MUASTS_ERR_INVALID_OPTION naming the path', (_, extra, path) => {
    const r = failure(() => parseConnectPop3Options({ ...valid(), ...extra }))
    expect(r.code).toBe('MUASTS_ERR_INVALID_OPTION')
    expect(r.message).toContain(path)
  })

  it('never echoes the password in the error', () => {
    const r = failure(() =>
      parseConnectPop3Options({ ...valid(), auth: { user: 'a', pass: 'hunter2-secret', extra: 1 } }),
    )
    expect(r.code).toBe('MUASTS_ERR_INVALID_OPTION')
    expect(r.message).not.toContain('hunter2-secret')
  })

  it('connectPop3 rejects bad options before reading the store or opening a socket', async () => {
    const error = await connectPop3({ ...valid(), tls: { rejectUnauthorized: false } } as never).catch(
      (e: unknown) => e,
    )
    expect(isSdkError(error, 'MUASTS_ERR_INVALID_OPTION')).toBe(true)
    expect(store.get).not.toHaveBeenCalled()
  })
})
