// `--keychain keytar|napi-keyring|file`: where the store's integrity key and high-water marks live.
// keytar is the SDK's default; napi-keyring is the prebuilt alternative (its items are invisible to
// keytar and vice versa, so a store must keep the backend it was created with); file seals them in a
// file under a passphrase, for machines without an OS keychain (see passphrase-cipher.ts).
import { resolve, sep } from 'node:path'
import {
  encryptedFileSecretStore,
  keytarSecretStore,
  napiKeyringSecretStore,
  type SecretStore,
} from '@mua-sts/store'
import { UsageError } from '../exit.js'
import type { CliIo } from '../io.js'
import { MIN_PASSPHRASE_CHARS, passphraseCipher } from './passphrase-cipher.js'

export const KEYCHAINS = ['keytar', 'napi-keyring', 'file'] as const
export type Keychain = (typeof KEYCHAINS)[number]

/** Environment variable holding the passphrase of `--keychain file`. */
export const KEYCHAIN_PASSPHRASE_ENV = 'MUA_STS_KEYCHAIN_PASSPHRASE'

export type KeychainArgs = {
  readonly keychain: Keychain
  readonly keychainFile?: string | undefined
  readonly keychainPassphraseStdin: boolean
}

/** Default file of `--keychain file`: beside the store directory, never inside it. */
export function defaultKeychainFile(storeDir: string): string {
  return `${storeDir}.keychain`
}

async function passphrase(args: KeychainArgs, io: CliIo): Promise<string> {
  const fromEnv = io.env[KEYCHAIN_PASSPHRASE_ENV]
  const ask = () => io.promptSecret('Keychain passphrase (not shown): ', 'keychain passphrase')
  let value: string
  // On a terminal, "stdin" is the keyboard: read it hidden rather than echo what is typed.
  if (args.keychainPassphraseStdin)
    value = io.stdinIsTty ? await ask() : await io.readStdinLine('keychain passphrase')
  else if (fromEnv !== undefined && fromEnv !== '') value = fromEnv
  else if (io.stdinIsTty) value = await ask()
  else
    throw new UsageError(
      `--keychain file: no passphrase; set ${KEYCHAIN_PASSPHRASE_ENV} or pass --keychain-passphrase-stdin`,
    )
  if (value.length < MIN_PASSPHRASE_CHARS)
    throw new UsageError(`keychain passphrase: expected at least ${MIN_PASSPHRASE_CHARS} characters`)
  return value
}

/** The SecretStore for `--keychain`. Reads the passphrase for `file`; loads nothing native until used. */
export async function secretStoreFor(args: KeychainArgs, storeDir: string, io: CliIo): Promise<SecretStore> {
  if (args.keychain === 'keytar') return keytarSecretStore()
  if (args.keychain === 'napi-keyring') return napiKeyringSecretStore()
  const file = args.keychainFile === undefined ? defaultKeychainFile(storeDir) : resolve(args.keychainFile)
  // Inside, it would be swept up by a store reset's quarantine and restored together with the data.
  if (file === storeDir || file.startsWith(`${storeDir}${sep}`))
    throw new UsageError('--keychain-file: must not be inside the store directory it protects')
  const cipher = passphraseCipher(await passphrase(args, io))
  return encryptedFileSecretStore({ path: file, encrypt: cipher.encrypt, decrypt: cipher.decrypt })
}
