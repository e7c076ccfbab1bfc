// The store's one secret: a 256-bit master key kept in the OS keychain (never on disk next to the data).
// Purpose-bound subkeys are derived with HKDF-SHA256 (RFC 5869 §2) so that a MAC computed for one kind
// of record can never be replayed as another kind (a store file as an audit line, or vice versa).
import { createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto'
import { ErrorCode, SdkError } from '@mua-sts/core'
import * as z from 'zod'

const KEY_BYTES = 32

/** The master key as the keychain holds it: standard base64 of 32 random bytes. */
export const MasterKeySchema = z.string().regex(/^[A-Za-z0-9+/]{43}=$/, 'expected base64 of 32 bytes')

/** HMAC-SHA256 tag as stored: unpadded base64url of 32 bytes. */
export const MacSchema = z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'expected a base64url HMAC-SHA256 tag')

export type StoreKeys = {
  /** MACs account files (format v1). */
  readonly file: Buffer
  /** MACs audit records. */
  readonly audit: Buffer
  /** Public fingerprint of the master key, written to the marker file to detect a swapped keychain key. */
  readonly keyId: string
  /** The master key itself; only the v0 migration needs it (v0 MACed with it directly). */
  readonly master: Buffer
}

/** Fresh master key in its keychain encoding. Uses the CSPRNG. */
export function newMasterKey(): string {
  return randomBytes(KEY_BYTES).toString('base64')
}

function subkey(master: Buffer, label: string): Buffer {
  return Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), `mua-sts/store ${label}`, KEY_BYTES))
}

/** Derives the subkeys. Pure. Throws MUASTS_ERR_STORE_CORRUPT if the keychain value is not a key. */
export function deriveKeys(encodedMaster: string): StoreKeys {
  if (!MasterKeySchema.safeParse(encodedMaster).success) {
    throw new SdkError(ErrorCode.StoreCorrupt, 'The integrity key in the keychain is malformed.')
  }
  const master = Buffer.from(encodedMaster, 'base64')
  return {
    file: subkey(master, 'file-mac v1'),
    audit: subkey(master, 'audit-mac v1'),
    keyId: subkey(master, 'key-id v1').subarray(0, 16).toString('hex'),
    master,
  }
}

/** HMAC-SHA256 of `text` (UTF-8) as unpadded base64url. Pure. */
export function mac(key: Buffer, text: string): string {
  return createHmac('sha256', key).update(text, 'utf8').digest('base64url')
}

/** Constant-time comparison of two encoded tags (different lengths compare unequal). */
export function sameMac(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

/** SHA-256 of raw bytes, unpadded base64url, truncated to 128 bits (see marks.ts for why that suffices). */
export function contentHash(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest().subarray(0, 16).toString('base64url')
}
