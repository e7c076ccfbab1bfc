// The encrypt/decrypt pair behind `--keychain file`: AES-256-GCM under a key derived from a passphrase
// with scrypt (RFC 7914). It seals the store's integrity key and high-water marks in a file, for machines
// without an OS keychain (servers, CI, containers).
//
// Sealed layout: "MSK1" | salt (16) | nonce (12) | tag (16) | ciphertext. The magic and salt are the GCM
// additional data, so neither can be swapped without the tag failing. A wrong passphrase and an altered
// file are the same failure (the tag does not verify), and the message says both.
import { createCipheriv, createDecipheriv, randomBytes, scrypt } from 'node:crypto'

const MAGIC = Buffer.from('MSK1', 'ascii')
const SALT = 16
const NONCE = 12 // NIST SP 800-38D §8.2: 96-bit nonces, fresh random per message.
const TAG = 16
// scrypt cost: N = 2^15, r = 8 (RFC 7914 §2 interactive-login range), about 32 MiB and ~100 ms per key.
const SCRYPT = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const

/** Shortest passphrase accepted. It guards the store's integrity key, so short ones are refused. */
export const MIN_PASSPHRASE_CHARS = 10

export type PassphraseCipher = {
  readonly encrypt: (plaintext: string) => Promise<Uint8Array>
  readonly decrypt: (sealed: Uint8Array) => Promise<string>
}

function deriveKey(passphrase: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(passphrase.normalize('NFC'), salt, 32, SCRYPT, (error, key) =>
      error ? reject(error) : resolve(key),
    )
  })
}

/**
 * An encrypt/decrypt pair for `encryptedFileSecretStore`. Derived keys are cached per salt for the
 * life of the process (one salt per process for new seals), so a store operation costs one scrypt.
 */
export function passphraseCipher(passphrase: string): PassphraseCipher {
  const keys = new Map<string, Promise<Buffer>>()
  const keyFor = (salt: Buffer): Promise<Buffer> => {
    const id = salt.toString('hex')
    let key = keys.get(id)
    if (key === undefined) {
      key = deriveKey(passphrase, salt)
      keys.set(id, key)
    }
    return key
  }
  const sealSalt = randomBytes(SALT)
  return {
    async encrypt(plaintext) {
      const key = await keyFor(sealSalt)
      const nonce = randomBytes(NONCE)
      const cipher = createCipheriv('aes-256-gcm', key, nonce)
      cipher.setAAD(Buffer.concat([MAGIC, sealSalt]))
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
      return Buffer.concat([MAGIC, sealSalt, nonce, cipher.getAuthTag(), body])
    },
    async decrypt(sealed) {
      const b = Buffer.from(sealed)
      if (b.length < MAGIC.length + SALT + NONCE + TAG || !b.subarray(0, MAGIC.length).equals(MAGIC))
        throw new Error('not a sealed mua-sts keychain entry')
      const salt = b.subarray(MAGIC.length, MAGIC.length + SALT)
      const nonce = b.subarray(MAGIC.length + SALT, MAGIC.length + SALT + NONCE)
      const tag = b.subarray(MAGIC.length + SALT + NONCE, MAGIC.length + SALT + NONCE + TAG)
      const body = b.subarray(MAGIC.length + SALT + NONCE + TAG)
      const decipher = createDecipheriv('aes-256-gcm', await keyFor(Buffer.from(salt)), nonce)
      decipher.setAAD(Buffer.concat([MAGIC, salt]))
      decipher.setAuthTag(tag)
      try {
        return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8')
      } catch {
        throw new Error('wrong keychain passphrase, or the keychain file was altered')
      }
    },
  }
}
