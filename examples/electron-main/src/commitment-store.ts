// Where the main process keeps commitments. Two ways to hold the store's integrity key:
//   - 'safeStorage' (recommended, the default here): Electron's own safeStorage encrypts the key into a
//     file beside the store (encryptedFileSecretStore). Maintained with Electron, no native module to
//     rebuild. Confidentiality only: restoring the whole directory rolls the store back undetected (see
//     @mua-sts/store, encryptedFileSecretStore).
//   - 'keychain': keytar → macOS Keychain, Windows Credential Manager, libsecret on Linux. Also gives
//     anti-rollback (the high-water marks live in the keychain), but keytar is archived upstream and is a
//     native module: it must be rebuilt for Electron's ABI (`npx @electron/rebuild`) or it fails to load.
// Either way the store fails closed: a locked keychain or a tampered file refuses connections. A store
// records which of the two it was made with; opening it with the other one is a coded error naming both.
import { join } from 'node:path'
import { encryptedFileSecretStore, FileStore } from '@mua-sts/store'
import { app, safeStorage } from 'electron'

export type KeyCustody = 'keychain' | 'safeStorage'

/** safeStorage, refusing the Linux `basic_text` backend (a hard-coded key: no protection at all). */
async function safeStorageSecrets(path: string) {
  if (!(await safeStorage.isAsyncEncryptionAvailable())) {
    throw new Error('safeStorage is not available; use the keychain, or ask the user to unlock it')
  }
  if (process.platform === 'linux' && safeStorage.getSelectedStorageBackend() === 'basic_text') {
    throw new Error('safeStorage would use basic_text (no protection); install a Secret Service')
  }
  return encryptedFileSecretStore({
    path,
    encrypt: (plaintext) => safeStorage.encryptStringAsync(plaintext),
    decrypt: async (ciphertext) => (await safeStorage.decryptStringAsync(Buffer.from(ciphertext))).result,
  })
}

/** Opens the app's commitment store under userData. Call after app 'ready'. Does I/O. */
export async function openCommitmentStore(custody: KeyCustody = 'safeStorage'): Promise<FileStore> {
  const dir = join(app.getPath('userData'), 'mua-sts')
  if (custody === 'keychain') return FileStore.open({ dir })
  // One secrets file per store, beside (not inside) the store directory.
  const secrets = await safeStorageSecrets(join(app.getPath('userData'), 'mua-sts-secrets.json'))
  return FileStore.open({ dir, secrets })
}
