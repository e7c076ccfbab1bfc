// The shared ceremony rules, once, in core: every store's contract suite covers them through the stores;
// this pins the pure functions themselves (codes, normalisation, scope).
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ErrorCode, isSdkError } from '../errors.js'
import { PIN_KEYS, UNPINNED_SPKI } from '../testing/arbitraries.js'
import { FIXED_NOW, SAMPLE_SPKI, sampleCommitment } from '../testing/fixtures.js'
import { addedByCeremony, servicesOfCeremony, withPins } from './ceremony-change.js'
import { type CeremonyScope, checkForgetRequest, checkPinRotation, checkPinSet } from './ceremony-checks.js'

const codeOf = (f: () => unknown): string | undefined => {
  try {
    f()
  } catch (error) {
    return isSdkError(error) ? error.code : 'not-sdk'
  }
  return undefined
}

const KEYS = [...PIN_KEYS, UNPINNED_SPKI]

describe('checkPinSet', () => {
  it('returns sorted unique sets, or refuses with MUASTS_ERR_INVALID_OPTION, for any keys', () => {
    const keys = fc.array(fc.constantFrom(...KEYS), { maxLength: 6 })
    fc.assert(
      fc.property(keys, keys, (spki, backup) => {
        const overlap = spki.some((k) => backup.includes(k))
        const valid = !overlap && (spki.length === 0) === (backup.length === 0)
        if (!valid) {
          expect(codeOf(() => checkPinSet({ spki, backup }))).toBe(ErrorCode.InvalidOption)
          return
        }
        const out = checkPinSet({ spki, backup })
        expect(out.spki).toEqual([...new Set(spki)].sort())
        expect(out.backup).toEqual([...new Set(backup)].sort())
        expect(checkPinSet(out)).toEqual(out)
      }),
    )
  })

  it('refuses anything but { spki, backup } of SPKI hashes', () => {
    for (const bad of [null, {}, { spki: ['x'], backup: [] }, { spki: [], backup: [], extra: 1 }]) {
      expect(codeOf(() => checkPinSet(bad))).toBe(ErrorCode.InvalidOption)
    }
  })

  it('needs a token for one service to rotate pins', () => {
    const all: CeremonyScope = { account: 'acct-1', service: undefined }
    expect(codeOf(() => checkPinRotation(all, { spki: [], backup: [] }))).toBe(ErrorCode.ConfirmationRequired)
  })
})

describe('checkForgetRequest', () => {
  const pending = new Map([['tok', { account: 'acct-1', service: 'imap' as const, extra: 1 }]])
  const ok = { account: 'acct-1', service: 'imap' as const, reason: 'moved', actor: 'user' }

  it('returns the pending scope it matched, without consuming it', () => {
    expect(checkForgetRequest({ ...ok, confirmation: 'tok' }, pending)).toEqual(pending.get('tok'))
    expect(pending.has('tok')).toBe(true)
  })

  it('refuses a wrong token, scope, short reason or empty actor', () => {
    for (const r of [
      { ...ok, confirmation: 'other' },
      { ...ok, service: 'pop3' as const, confirmation: 'tok' },
      { ...ok, reason: ' a ', confirmation: 'tok' },
      { ...ok, actor: ' ', confirmation: 'tok' },
    ]) {
      expect(codeOf(() => checkForgetRequest(r, pending))).toBe(ErrorCode.ConfirmationRequired)
    }
    expect(codeOf(() => checkForgetRequest({ ...ok, account: '', confirmation: 'tok' }, pending))).toBe(
      ErrorCode.InvalidOption,
    )
  })
})

describe('what a ceremony writes', () => {
  it('rotates pins keeping every other property, recording new pins as the user’s', () => {
    const before = sampleCommitment()
    const pins = { spki: [SAMPLE_SPKI], backup: [UNPINNED_SPKI] }
    const [after] = addedByCeremony({ kind: 'rotate-pins', pins }, [before], FIXED_NOW)
    expect(after).toEqual(withPins(before, pins, FIXED_NOW))
    expect(after?.pins).toEqual(pins)
    expect(after?.latches).toEqual(before.latches)
    expect(Object.values(after?.provenance ?? {}).some((p) => p.source === 'setup')).toBe(true)
    expect(servicesOfCeremony([before], after === undefined ? [] : [after])).toEqual([before.service])
  })

  it('forget writes nothing; replace writes what it was given', () => {
    const c = sampleCommitment()
    expect(addedByCeremony({ kind: 'forget' }, [c], FIXED_NOW)).toEqual([])
    expect(addedByCeremony({ kind: 'replace', next: [c] }, [], FIXED_NOW)).toEqual([c])
  })
})
