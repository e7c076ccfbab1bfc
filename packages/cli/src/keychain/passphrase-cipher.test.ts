// The --keychain file cipher: round trip, a wrong passphrase and any altered byte are refused.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { passphraseCipher } from './passphrase-cipher.js'

describe('passphraseCipher', () => {
  const cipher = passphraseCipher('correct horse battery staple')

  it('round-trips, with a fresh nonce per seal', async () => {
    const a = await cipher.encrypt('integrity-key-material')
    const b = await cipher.encrypt('integrity-key-material')
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false)
    expect(Buffer.from(a).includes(Buffer.from('integrity-key-material'))).toBe(false)
    await expect(cipher.decrypt(a)).resolves.toBe('integrity-key-material')
    // Another process (another seal salt) with the same passphrase opens it too.
    await expect(passphraseCipher('correct horse battery staple').decrypt(a)).resolves.toBe(
      'integrity-key-material',
    )
  })

  it('refuses a wrong passphrase with a message that says so', async () => {
    const sealed = await cipher.encrypt('k')
    await expect(passphraseCipher('wrong horse battery staple').decrypt(sealed)).rejects.toThrow(
      'wrong keychain passphrase, or the keychain file was altered',
    )
  })

  it('refuses every single-byte alteration and every truncation (property)', async () => {
    const sealed = Buffer.from(await cipher.encrypt('secret value'))
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: sealed.length - 1 }),
        fc.integer({ min: 1, max: 255 }),
        async (at, flip) => {
          const altered = Buffer.from(sealed)
          altered[at] = (altered[at] ?? 0) ^ flip
          await expect(cipher.decrypt(altered)).rejects.toThrow()
        },
      ),
      { numRuns: 40 },
    )
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: sealed.length - 1 }), async (length) => {
        await expect(cipher.decrypt(sealed.subarray(0, length))).rejects.toThrow()
      }),
      { numRuns: 20 },
    )
  })
})
