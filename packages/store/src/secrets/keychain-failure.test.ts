// The words a keychain failure is reported in: the backend's own error, on one bounded line, and for the
// Secret Service on Linux, what is missing (the D-Bus session or the keyring daemon).
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { keychainFailureReason, oneLineCause } from './keychain-failure.js'

describe('keychainFailureReason', () => {
  it.each([
    ['keytar', 'Could not connect: No such file or directory'],
    ['keytar', 'Cannot autolaunch D-Bus without X11 $DISPLAY'],
    ['keytar', 'The name org.freedesktop.secrets was not provided by any .service files'],
    ['napi-keyring', "Couldn't access platform storage: AccessDenied: AccessDenied"],
  ])('names the Secret Service and D-Bus for %s: %s', (backend, cause) => {
    const reason = keychainFailureReason(backend, 'get', new Error(cause), 'linux')
    expect(reason).toContain(`${backend} could not reach the Secret Service (org.freedesktop.secrets)`)
    expect(reason).toContain(cause)
    expect(reason).toContain('DBUS_SESSION_BUS_ADDRESS')
  })

  it('quotes the cause without guessing elsewhere', () => {
    expect(keychainFailureReason('keytar', 'set', new Error('User canceled the operation.'), 'darwin')).toBe(
      'the keychain (keytar) refused set: User canceled the operation.',
    )
    expect(keychainFailureReason('encrypted-file', 'get', 'boom', 'linux')).toBe(
      'the keychain (encrypted-file) refused get: boom',
    )
  })
})

describe('oneLineCause', () => {
  it('is one printable line of at most 201 characters, whatever the error says (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 1000, unit: 'binary' }), (text) => {
        const line = oneLineCause(new Error(text))
        expect(line.length).toBeLessThanOrEqual(201)
        expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/)
        expect(line.length).toBeGreaterThan(0)
      }),
    )
  })
})
