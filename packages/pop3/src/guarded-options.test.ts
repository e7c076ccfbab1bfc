import { isSdkError } from '@mua-sts/core'
import { describe, expect, it, vi } from 'vitest'
import { connectPop3 } from './connect-pop3.js'
import {
  guardOptionsOf,
  parseConnectPop3Options,
  SDK_OWNED_OPTIONS,
  sessionTuning,
} from './guarded-options.js'

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
    expect(Object.keys(guardOptionsOf(o)).sort()).toEqual(['account', 'store', 'timeoutMs'])
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
