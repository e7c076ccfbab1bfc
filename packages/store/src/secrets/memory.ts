// In-memory SecretStore for tests (the SDK's and users'). It can imitate the two keychain failure modes
// that matter: "locked" (reads resolve null and writes reject, as keytar does with a locked
// gnome-keyring, integration notes §4.2) and "unavailable" (everything rejects, as with no D-Bus).
import { keychainUnavailable } from '../store-errors.js'
import type { SecretStore } from './secret-store.js'

/** Simulated keychain state of a MemorySecretStore. */
export type MemorySecretState = 'available' | 'locked' | 'unavailable'

/** A SecretStore held in a Map. Shared by several FileStores in one process it acts like one keychain. */
export class MemorySecretStore implements SecretStore {
  readonly backend = 'memory'
  readonly #entries = new Map<string, string>()
  /** Current simulated state; tests flip it to exercise fail-closed paths. */
  state: MemorySecretState = 'available'

  async get(name: string): Promise<string | null> {
    this.#check('get')
    return this.state === 'locked' ? null : (this.#entries.get(name) ?? null)
  }

  async set(name: string, value: string): Promise<void> {
    this.#check('set')
    if (this.state === 'locked') throw keychainUnavailable('the keychain is locked', { backend: 'memory' })
    this.#entries.set(name, value)
  }

  async delete(name: string): Promise<void> {
    this.#check('delete')
    if (this.state === 'locked') throw keychainUnavailable('the keychain is locked', { backend: 'memory' })
    this.#entries.delete(name)
  }

  /** Names currently stored (for tests that inspect or tamper with the keychain). */
  names(): string[] {
    return [...this.#entries.keys()].sort()
  }

  #check(operation: string): void {
    if (this.state === 'unavailable') {
      throw keychainUnavailable('the keychain is not reachable', { backend: 'memory', operation })
    }
  }
}
