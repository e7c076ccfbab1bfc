import { isSdkError } from '@mua-sts/core'
import { describe, expect, it } from 'vitest'
import { DEFAULT_EHLO_NAME, parseSmtpOptions, SDK_OWNED_OPTIONS } from './options.js'

// The guard only needs the store's shape here; @mua-sts/store is not a dependency of this package.
const store = { get: async () => undefined, strengthen: async <T>(c: T) => c }
const base = { account: 'acct-1', store, auth: { user: 'alice', pass: 'secret-pw' } }
const failure = (input: unknown): Error & { code?: string; details?: unknown } => {
  try {
    parseSmtpOptions(input)
  } catch (e) {
    return e as Error
  }
  throw new Error('expected parseSmtpOptions to throw')
}

describe('parseSmtpOptions', () => {
  it('splits guard options from transport options and fills defaults', () => {
    const o = parseSmtpOptions({ ...base, client: null, timeoutMs: 5000 })
    expect(o.guard).toEqual({ account: 'acct-1', store: base.store, client: null, timeoutMs: 5000 })
    expect(o).toMatchObject({
      name: DEFAULT_EHLO_NAME,
      pool: false,
      maxConnections: 5,
      maxMessages: 100,
      timeoutMs: 5000,
    })
  })

  it('accepts the harmless nodemailer options', () => {
    const logger = { info() {}, debug() {} }
    const o = parseSmtpOptions({
      ...base,
      name: 'laptop.example.org',
      pool: true,
      maxConnections: 2,
      maxMessages: 10,
      logger,
      debug: true,
    })
    expect(o).toMatchObject({
      name: 'laptop.example.org',
      pool: true,
      maxConnections: 2,
      maxMessages: 10,
      logger,
      debug: true,
    })
  })

  it.each(Object.keys(SDK_OWNED_OPTIONS))('refuses the SDK-owned option %s, naming it', (key) => {
    const e = failure({ ...base, [key]: undefined })
    expect(isSdkError(e, 'MUASTS_ERR_INVALID_OPTION')).toBe(true)
    expect(e.message).toContain(`options.${key}`)
  })

  it.each([
    ['an unknown option', { ...base, pipelining: true }, '(root)'],
    ['missing auth', { account: 'acct-1', store: base.store }, 'auth'],
    ['an EHLO name with CRLF', { ...base, name: 'a\r\nMAIL FROM:<x>' }, 'name'],
    ['a user with NUL', { ...base, auth: { user: 'a\0b', pass: 'x' } }, 'auth'],
    ['a token with spaces', { ...base, auth: { user: 'a', accessToken: 'a b' } }, 'auth'],
    ['both pass and token', { ...base, auth: { user: 'a', pass: 'x', accessToken: 'y' } }, 'auth'],
    ['a bad account ref', { ...base, account: 'alice@example.test' }, 'account'],
  ])('refuses %s with MUASTS_ERR_INVALID_OPTION', (_what, input, path) => {
    const e = failure(input)
    expect(isSdkError(e, 'MUASTS_ERR_INVALID_OPTION')).toBe(true)
    expect(e.message).toContain(`options.${path}`)
  })

  it('never echoes a password in the error', () => {
    const e = failure({ ...base, auth: { user: 'a\r\n', pass: 'hunter2-secret' } })
    expect(JSON.stringify({ message: e.message, details: e.details })).not.toContain('hunter2-secret')
  })
})
