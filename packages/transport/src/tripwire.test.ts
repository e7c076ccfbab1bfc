// The SDK-wide tripwire (integration notes §8.1): only the exact socket object the guard passed may carry
// credentials, and the refusal says which step reached auth on an unchecked one.
import { ErrorCode } from '@mua-sts/core'
import { describe, expect, it } from 'vitest'
import { assertPassed, hasPassed, markPassed } from './tripwire.js'

describe('tripwire', () => {
  it('passes exactly the marked object, not a look-alike', () => {
    const socket = { id: 1 }
    markPassed(socket)
    expect(hasPassed(socket)).toBe(true)
    expect(hasPassed({ id: 1 })).toBe(false)
    expect(() => assertPassed(socket, 'test')).not.toThrow()
  })

  it('refuses no socket at all', () => {
    expect(hasPassed(null)).toBe(false)
    expect(hasPassed(undefined)).toBe(false)
    expect(() => assertPassed(undefined, 'test')).toThrow(
      expect.objectContaining({ code: ErrorCode.GuardBypassed }),
    )
  })

  it('names the step that reached auth on an unchecked socket', () => {
    expect(() => assertPassed({}, '@mua-sts/imap LOGIN')).toThrow(
      'Refusing to authenticate: @mua-sts/imap LOGIN reached auth on an unchecked socket.',
    )
  })
})
