import { describe, expect, it } from 'vitest'
import { ErrorCode, ErrorMessages, isSdkError, SdkError, toSdkError } from './errors.js'

describe('error codes', () => {
  const codes = Object.values(ErrorCode)

  it.each(codes)('%s is stable, prefixed and documented', (code) => {
    expect(code).toMatch(/^MUASTS_ERR_[A-Z0-9_]+$/)
    expect(ErrorMessages[code].length).toBeGreaterThan(10)
    const e = new SdkError(code)
    expect(e.code).toBe(code)
    expect(e.message).toBe(ErrorMessages[code])
    expect(isSdkError(e, code)).toBe(true)
  })

  it('has no duplicate codes', () => {
    expect(new Set(codes).size).toBe(codes.length)
  })

  it('pins the published code table', () => {
    expect(Object.keys(ErrorMessages).sort()).toEqual([...codes].sort())
    expect(ErrorCode).toMatchSnapshot()
  })

  it('recognises errors from a duplicate install by brand, not by class', () => {
    const foreign = Object.assign(new Error('x'), { code: ErrorCode.StoreCorrupt })
    Object.defineProperty(foreign, Symbol.for('@mua-sts/error'), { value: true })
    expect(isSdkError(foreign)).toBe(true)
    expect(isSdkError(foreign, ErrorCode.StoreCorrupt)).toBe(true)
    expect(isSdkError(foreign, ErrorCode.Timeout)).toBe(false)
    expect(isSdkError(new Error('plain'))).toBe(false)
    expect(isSdkError(null)).toBe(false)
  })

  it('normalises unknown throwables and keeps SDK errors as they are', () => {
    const sdk = new SdkError(ErrorCode.Timeout)
    expect(toSdkError(sdk)).toBe(sdk)
    const wrapped = toSdkError(new TypeError('boom'), ErrorCode.Connection)
    expect(wrapped.code).toBe(ErrorCode.Connection)
    expect(wrapped.message).toBe('boom')
    expect(wrapped.cause).toBeInstanceOf(TypeError)
    expect(toSdkError('text').code).toBe(ErrorCode.Internal)
  })
})
