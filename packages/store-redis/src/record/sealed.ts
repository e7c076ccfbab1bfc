// Sealing: `<format> <mac> <json>`, with the HMAC over the exact JSON bytes, so verification needs no
// canonical re-encoding. The MAC also covers the store's prefix and a purpose label, so a value copied
// from another namespace (or an audit entry copied into a record key) fails verification even under
// the same key. The key itself is the service's and is never written to Redis.
import { createHmac, timingSafeEqual } from 'node:crypto'
import { corrupt } from '../store-errors.js'

/** Largest value this store reads; anything bigger is refused before parsing (attacker-sized JSON). */
export const MAX_SEALED_BYTES = 256 * 1024

/** Seals and opens values under one key and namespace. */
export type Sealer = {
  seal(format: string, context: string, json: string): string
  /** The JSON text, after checking format and MAC; throws MUASTS_ERR_STORE_CORRUPT. */
  open(format: string, context: string, value: string): string
}

/** A sealer keyed with `key` for the namespace `prefix`. */
export function sealer(key: Uint8Array, prefix: string): Sealer {
  const mac = (format: string, context: string, json: string): Buffer =>
    createHmac('sha256', key).update(`${format}\0${prefix}\0${context}\0`).update(json).digest()
  return {
    seal: (format, context, json) => `${format} ${mac(format, context, json).toString('base64url')} ${json}`,
    open(format, context, value) {
      if (value.length > MAX_SEALED_BYTES) corruptThrow('value exceeds the size limit', context)
      const head = `${format} `
      if (!value.startsWith(head)) corruptThrow('unknown format', context)
      const sep = value.indexOf(' ', head.length)
      if (sep < 0) corruptThrow('no MAC', context)
      const given = Buffer.from(value.slice(head.length, sep), 'base64url')
      const json = value.slice(sep + 1)
      const want = mac(format, context, json)
      if (given.length !== want.length || !timingSafeEqual(given, want)) {
        corruptThrow('MAC mismatch (tampered, wrong key, or copied from another account)', context)
      }
      return json
    },
  }
}

function corruptThrow(reason: string, context: string): never {
  throw corrupt(reason, { context })
}
