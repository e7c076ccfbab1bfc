// Where the store keeps its secrets (the integrity key, the key probe and the high-water marks). The
// commitments themselves never go here (house style H16): they live in the store files, MACed.
import * as z from 'zod'

/**
 * A small key-value secret store. `get` resolves null when the name is absent. Backends may also
 * resolve null when the keychain is locked (keytar does, integration notes §4.2); the store tells those
 * apart with a probe entry. Every method may reject with MUASTS_ERR_KEYCHAIN_UNAVAILABLE.
 */
export interface SecretStore {
  /** Backend name recorded in the store's marker file, e.g. "keytar". */
  readonly backend: string
  get(name: string): Promise<string | null>
  set(name: string, value: string): Promise<void>
  delete(name: string): Promise<void>
}

/** Structural check used by option schemas. */
export const SecretStoreShape = z.custom<SecretStore>(
  (v) =>
    typeof v === 'object' &&
    v !== null &&
    typeof (v as SecretStore).backend === 'string' &&
    typeof (v as SecretStore).get === 'function' &&
    typeof (v as SecretStore).set === 'function' &&
    typeof (v as SecretStore).delete === 'function',
  'expected a SecretStore ({ backend, get, set, delete })',
)

/** Keychain service names: printable, no separators that some backends treat specially. */
export const ServiceNameSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9._-]+$/, 'expected [A-Za-z0-9._-]')
