// Where the main process keeps commitments. Two ways to hold the store's integrity key:
//   - 'keychain' (default): keytar → macOS Keychain, Windows Credential Manager, libsecret on Linux.
//     Also gives anti-rollback: the high-water marks live in the keychain, not next to the data.
//   - 'safeStorage': Electron's safeStorage encrypts the key into a file beside the store. Use it
//     when you cannot ship keytar's native module. Confidentiality only; restoring the whole
//     directory rolls the store back undetected (see @mua-sts/store, encryptedFileSecretStore).
// Either way the store fails closed: a locked keychain or a tampered file refuses connections.
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
export async function openCommitmentStore(custody: KeyCustody = 'keychain'): Promise<FileStore> {
  const dir = join(app.getPath('userData'), 'mua-sts')
  if (custody === 'keychain') return FileStore.open({ dir })
  // One secrets file per store, beside (not inside) the store directory.
  const secrets = await safeStorageSecrets(join(app.getPath('userData'), 'mua-sts-secrets.json'))
  return FileStore.open({ dir, secrets })
}
