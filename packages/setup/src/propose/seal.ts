// Tamper evidence for proposals (#12). A proposal crosses Electron IPC as plain data (structured
// clone, JSON), often through a renderer that must not be able to choose what gets pinned: emptying
// `confirmations`, swapping the endpoint or editing the commitment on the way back would otherwise
// pin something the user never saw. propose() therefore adds `seal`, an HMAC-SHA256 (RFC 2104) over
// the canonical JSON of every other field, and confirm() recomputes it before anything else runs.
//
// The key never leaves the process that holds it: by default 32 random bytes made on first use, so a
// proposal is valid only in the process that produced it (a restart makes it stale, which is the safe
// direction). An app that must keep a proposal across a restart passes its own `sealKey` (at least
// 32 bytes, e.g. from the OS keychain) to both propose() and confirm(). The seal is not a signature
// for third parties and not encryption: the proposal stays readable, only alteration is detected.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { ErrorCode, SdkError } from '@mua-sts/core'
import { z } from 'zod'

const SEAL_PREFIX = 'hmac-sha256:'
/** Shortest accepted key: the HMAC-SHA256 output length (RFC 2104 §3: shorter keys weaken it). */
export const MIN_SEAL_KEY_BYTES = 32

export const SealKeySchema = z.custom<Uint8Array>(
  (v) => v instanceof Uint8Array && v.byteLength >= MIN_SEAL_KEY_BYTES,
  `expected a Uint8Array of at least ${MIN_SEAL_KEY_BYTES} bytes`,
)

let processKey: Buffer | undefined
function keyFor(appKey: Uint8Array | undefined): Uint8Array {
  if (appKey !== undefined) return appKey
  processKey ??= randomBytes(32)
  return processKey
}

/**
 * Deterministic JSON: object keys sorted by UTF-16 code unit, no whitespace, `undefined` members
 * omitted as JSON.stringify omits them. Anything that is not plain JSON data (a function, a
 * non-finite number, a Date, a class instance) throws, so two values with the same canonical form
 * are the same data. Pure.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value)
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError('canonicalJson: non-finite number')
    return JSON.stringify(value)
  }
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v ?? null)).join(',')}]`
  const proto = typeof value === 'object' ? Object.getPrototypeOf(value) : undefined
  if (proto === Object.prototype || proto === null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`
  }
  throw new TypeError(`canonicalJson: not plain JSON data (${typeof value})`)
}

/** The seal of a proposal without its `seal` field. Does no I/O; uses the process key by default. */
export function sealOf(unsealed: object, appKey?: Uint8Array): string {
  const mac = createHmac('sha256', keyFor(appKey)).update(canonicalJson(unsealed), 'utf8').digest()
  return `${SEAL_PREFIX}${mac.toString('base64url')}`
}

/**
 * Throws `MUASTS_ERR_PROPOSAL_TAMPERED` unless `proposal.seal` is the seal of the rest of it under
 * the same key. Constant-time comparison. Does no I/O.
 */
export function checkSeal(proposal: { readonly seal: string }, appKey?: Uint8Array): void {
  const { seal, ...rest } = proposal
  // Compared as text, not as decoded bytes: base64 decoders ignore stray padding bits, and an
  // altered seal string must not count as the same seal.
  const expected = Buffer.from(sealOf(rest, appKey), 'utf8')
  const given = Buffer.from(seal, 'utf8')
  if (given.length === expected.length && timingSafeEqual(given, expected)) return
  throw new SdkError(
    ErrorCode.ProposalTampered,
    'The proposal was changed after propose() made it (or comes from another process or key); run propose() again.',
  )
}
