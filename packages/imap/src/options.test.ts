import { isSdkError } from '@mua-sts/core'
import { describe, expect, it } from 'vitest'
import { connectImap } from './connect.js'
import { parseImapOptions, SDK_OWNED_OPTIONS, splitOptions } from './options.js'

// A store that holds nothing (the real ones live in @mua-sts/store, which this package does not need).
const emptyStore = {
  get: async () => undefined,
  strengthen: async (c: unknown) => c,
  list: async () => [],
  requestForget: async () => ({ confirmation: '', commitments: [] }),
  forget: async () => {
    throw new Error('unused')
  },
}

const valid = () => ({
  account: 'acct_1',
  store: emptyStore as never,
  auth: { user: 'alice@example.test', pass: 'pw' },
})

function codeOf(fn: () => unknown): { code: string | undefined; message: string } {
  try {
    fn()
  } catch (e) {
    return { code: isSdkError(e) ? e.code : undefined, message: (e as Error).message }
  }
  return { code: undefined, message: '' }
}

describe('connectImap options', () => {
  it('accepts the guard options, credentials and allow-listed imapflow options', () => {
    const o = parseImapOptions({
      ...valid(),
      logger: false,
      qresync: true,
      disableAutoIdle: true,
      maxIdleTime: 60_000,
    })
    const { guard, imapflow } = splitOptions(o)
    expect(Object.keys(guard).sort()).toEqual(['account', 'store'])
    expect(imapflow).toEqual({ logger: false, qresync: true, disableAutoIdle: true, maxIdleTime: 60_000 })
  })

  it('accepts an OAuth2 access token instead of a password', () => {
    expect(() => parseImapOptions({ ...valid(), auth: { user: 'a', accessToken: 'tok' } })).not.toThrow()
  })

  it.each(Object.keys(SDK_OWNED_OPTIONS))('refuses the SDK-owned option %s by name', (key) => {
    const r = codeOf(() =>
      parseImapOptions({ ...valid(), [key]: key === 'tls' ? { rejectUnauthorized: false } : true }),
    )
    expect(r.code).toBe('MUASTS_ERR_INVALID_OPTION')
    expect(r.message).toContain(`options.${key} is owned by the SDK`)
  })

  it.each([
    ['an unknown option', { unknownThing: 1 }, 'options.(root)'],
    ['a password and a token together', { auth: { user: 'a', pass: 'p', accessToken: 't' } }, 'options.auth'],
    ['an empty user', { auth: { user: '', pass: 'p' } }, 'options.auth'],
    ['a logger without methods', { logger: { info: 1 } }, 'options.logger'],
    ['a negative timeout', { socketTimeout: -1 }, 'options.socketTimeout'],
    ['a bad account ref', { account: '' }, 'options.account'],
  ])('refuses %s with MUASTS_ERR_INVALID_OPTION naming the path', (_, extra, path) => {
    const r = codeOf(() => parseImapOptions({ ...valid(), ...extra }))
    expect(r.code).toBe('MUASTS_ERR_INVALID_OPTION')
    expect(r.message).toContain(path)
  })

  it('never echoes the password in the error', () => {
    const r = codeOf(() =>
      parseImapOptions({ ...valid(), auth: { user: 'a', pass: 'hunter2-secret', extra: 1 } }),
    )
    expect(r.message).not.toContain('hunter2-secret')
  })

  it('connectImap rejects bad options before any I/O', async () => {
    const error = await connectImap({ ...valid(), tls: { rejectUnauthorized: false } } as never).catch(
      (e) => e,
    )
    expect(isSdkError(error, 'MUASTS_ERR_INVALID_OPTION')).toBe(true)
  })

  it('connectImap without a commitment rejects with MUASTS_ERR_NO_COMMITMENT', async () => {
    const error = await connectImap(valid()).catch((e) => e)
    expect(isSdkError(error, 'MUASTS_ERR_NO_COMMITMENT')).toBe(true)
  })
})
