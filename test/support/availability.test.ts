import { afterEach, describe, expect, it, vi } from 'vitest'
import { inCi, requireOrSkip } from './availability.js'

describe('requireOrSkip', () => {
  it('runs the suite when the dependency is available, in CI or not', () => {
    expect(requireOrSkip(true, 'dovecot', {})).toBe(true)
    expect(requireOrSkip(true, 'dovecot', { CI: 'true' })).toBe(true)
  })

  afterEach(() => {
    vi.restoreAllMocks()
  })

  it('skips outside CI when the dependency is missing, and says why on stderr', () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true)
    expect(requireOrSkip(false, 'dovecot', {})).toBe(false)
    expect(requireOrSkip(false, 'dovecot', { CI: 'false' })).toBe(false)
    expect(stderr).toHaveBeenCalledWith(expect.stringContaining('skipping tests that need dovecot'))
  })

  it('fails loudly instead of skipping in CI when the dependency is missing', () => {
    expect(() => requireOrSkip(false, 'dovecot', { CI: 'true' })).toThrow(/dovecot is not available.*CI/)
    expect(() => requireOrSkip(false, 'dovecot', { CI: '1' })).toThrow(/must not skip/)
  })
})

describe('inCi', () => {
  it.each([
    ['true', true],
    ['1', true],
    ['yes', true],
    ['', false],
    ['0', false],
    ['false', false],
    ['FALSE', false],
  ])('treats CI=%j as %s', (value, expected) => {
    expect(inCi({ CI: value })).toBe(expected)
  })

  it('is false when CI is unset', () => {
    expect(inCi({})).toBe(false)
  })
})
