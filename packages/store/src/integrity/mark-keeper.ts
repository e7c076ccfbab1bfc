// Reads and records the high-water marks of one store in its SecretStore (see marks.ts for the design).
import type { SecretStore } from '../secrets/secret-store.js'
import { keychainUnavailable, rollback } from '../store-errors.js'
import { encodeMarks, type Marks, parseMarks, withAuditHead, withMark } from './marks.js'
import type { SecretNames } from './open-keys.js'

export class MarkKeeper {
  readonly #secrets: SecretStore
  readonly #names: SecretNames
  // The last value seen or written, parsed. Another process's write changes the string and forces a
  // parse; otherwise a 10,000-account marks item is compared, not re-validated, on every write.
  #last: { readonly raw: string; readonly marks: Marks } | undefined

  constructor(secrets: SecretStore, names: SecretNames) {
    this.#secrets = secrets
    this.#names = names
  }

  /**
   * The authoritative marks from the keychain. Does I/O. Throws MUASTS_ERR_KEYCHAIN_UNAVAILABLE when the
   * keychain answers nothing at all (locked), MUASTS_ERR_STORE_ROLLBACK when only the marks are gone.
   */
  async fresh(): Promise<Marks> {
    const value = await this.#secrets.get(this.#names.marks)
    if (value !== null) {
      if (this.#last?.raw === value) return this.#last.marks
      const marks = parseMarks(value)
      this.#last = { raw: value, marks }
      return marks
    }
    // Marks exist from the moment the key does; null now means a locked keychain or a deleted item.
    if ((await this.#secrets.get(this.#names.probe)) === null) {
      throw keychainUnavailable('the keychain returned no high-water marks and no probe', {
        backend: this.#secrets.backend,
      })
    }
    throw rollback('the high-water marks are missing from the keychain')
  }

  /**
   * Records the mark of a file just renamed into place (and the audit head). Call under the store lock,
   * after the rename. Throws MUASTS_ERR_KEYCHAIN_UNAVAILABLE with `details.committed: true`: the file is
   * durable and ahead of its mark (which reads accept), but this write is not yet rollback-protected.
   */
  async record(
    marks: Marks,
    mark: { fileId: string; seq: number; hash: string },
    auditHead?: { records: number; head: string },
  ): Promise<void> {
    let next = withMark(marks, mark.fileId, mark.seq, mark.hash)
    if (auditHead !== undefined) next = withAuditHead(next, auditHead.records, auditHead.head)
    const raw = encodeMarks(next)
    try {
      await this.#secrets.set(this.#names.marks, raw)
      this.#last = { raw, marks: next }
    } catch (error) {
      throw keychainUnavailable(
        'the commitment was written but its high-water mark could not be recorded',
        { backend: this.#secrets.backend, committed: true },
        error,
      )
    }
  }
}
