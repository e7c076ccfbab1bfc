// One TLS SecureContext per (minimum version, trust anchors), shared by connections. Building a context
// parses every CA certificate (≈0.25 ms with one test CA, far more with a system bundle) and was the
// largest per-connection cost of the guards. Sharing is safe: a client context holds configuration only;
// Node never resumes a client session unless `session` is passed (we never pass it), so each handshake
// still runs full chain validation and checkServerIdentity.
import { createSecureContext, type SecureContext, type SecureVersion } from 'node:tls'

const MAX_CONTEXTS = 32
const contexts = new Map<string, SecureContext>()

/** The shared context for these settings (system roots when `ca` is undefined). Bounded LRU. */
export function secureContextFor(
  minVersion: SecureVersion,
  ca: readonly string[] | undefined,
): SecureContext {
  // The anchors' own text as the key, not a digest of it: V8 hashes a string once and keeps the hash, so
  // the app's (usually single, long-lived) PEM string costs no digest per connect (issue #17). A PEM text
  // cannot be 'system' (it holds a BEGIN CERTIFICATE line); the version prefix keeps the floors apart.
  const anchors = ca === undefined ? 'system' : ca.length === 1 ? (ca[0] as string) : ca.join('\0')
  const key = `${minVersion}|${anchors}`
  const hit = contexts.get(key)
  if (hit !== undefined) {
    contexts.delete(key)
    contexts.set(key, hit)
    return hit
  }
  const created = createSecureContext({ minVersion, ...(ca === undefined ? {} : { ca: [...ca] }) })
  contexts.set(key, created)
  if (contexts.size > MAX_CONTEXTS) contexts.delete(contexts.keys().next().value as string)
  return created
}
