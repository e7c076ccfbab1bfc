// Adapter options parsed once (issue #17): the Guard skips its own validation only for objects that
// came out of parseAdapterOptions, and validates everything else, including look-alikes.
import { ErrorCode } from '@mua-sts/core'
import { MemoryCommitmentStore } from '@mua-sts/store'
import { describe, expect, it } from 'vitest'
import * as z from 'zod'
import { testPki } from '../../../test/support/certs.js'
import { Guard } from './guard.js'
import { GuardOptionsSchema, guardOptionsFromParsed, parseAdapterOptions } from './guard-options.js'

const AdapterSchema = GuardOptionsSchema.extend({ extra: z.int().optional() })

describe('parseAdapterOptions / guardOptionsFromParsed', () => {
  it('hands the Guard the defined Guard fields of a parsed object, without the adapter’s own', () => {
    const store = new MemoryCommitmentStore()
    const parsed = parseAdapterOptions(AdapterSchema, { account: 'a', store, extra: 3, timeoutMs: 500 }, 'x')
    expect(guardOptionsFromParsed(parsed)).toEqual({ account: 'a', store, timeoutMs: 500 })
    expect(new Guard(parsed, 'pop3', 'x').options).toEqual({ account: 'a', store, timeoutMs: 500 })
  })

  it('does not trust an equal object that was not parsed here: the Guard validates it', () => {
    const store = new MemoryCommitmentStore()
    const parsed = parseAdapterOptions(AdapterSchema, { account: 'a', store }, 'x')
    const copy = { ...parsed }
    expect(guardOptionsFromParsed(copy)).toBeUndefined()
    expect(guardOptionsFromParsed(undefined)).toBeUndefined()
    expect(guardOptionsFromParsed('a')).toBeUndefined()
    // A forged object with a bad account is refused by the Guard's own parse.
    expect(() => new Guard({ account: 'has space', store }, 'pop3', 'x')).toThrow(
      expect.objectContaining({ code: ErrorCode.InvalidOption }),
    )
    // The adapter's extra field is unknown to the Guard's strict schema: an unparsed object is refused.
    expect(() => new Guard({ account: 'a', store, extra: 3 }, 'pop3', 'x')).toThrow(/extra/)
  })

  it('gives the Guard the values that passed, even when the parsed object is changed afterwards', () => {
    const store = new MemoryCommitmentStore()
    const ca = testPki().caCert
    const parsed = parseAdapterOptions(AdapterSchema, { account: 'a', store, trust: { ca: [ca] } }, 'x')
    ;(parsed as { account: string }).account = 'has space'
    expect(() => {
      ;(parsed.trust as { ca: string[] }).ca = ['not a certificate']
    }).toThrow(TypeError)
    const anchors = (parsed.trust as { ca: string[] }).ca
    expect(() => anchors.push('not a certificate')).toThrow(TypeError)
    const guard = new Guard(parsed, 'pop3', 'x')
    expect(guard.options.account).toBe('a')
    expect(guard.options.trust).toEqual({ ca: [ca] })
    expect(Object.isFrozen(guardOptionsFromParsed(parsed))).toBe(true)
  })

  it('refuses bad input with the same coded error and remembers nothing', () => {
    expect(() => parseAdapterOptions(AdapterSchema, { account: 'a', store: {} }, 'x')).toThrow(
      expect.objectContaining({ code: ErrorCode.InvalidOption }),
    )
  })

  it('refuses a schema that does not carry GuardOptionsSchema’s own fields', () => {
    const lookAlike = z.strictObject({ ...GuardOptionsSchema.shape, account: z.string() })
    expect(() => parseAdapterOptions(lookAlike, { account: 'has space' }, 'x')).toThrow(
      /does not extend GuardOptionsSchema \(account\)/,
    )
    const missing = z.strictObject({ account: GuardOptionsSchema.shape.account })
    expect(() => parseAdapterOptions(missing, { account: 'a' }, 'x')).toThrow(/does not extend/)
  })
})
