// Whether the OS secret store really works here, found out by doing what the SDK will do. Checking
// for a D-Bus address is not enough: with a bus but a locked or missing keyring, keytar's reads
// return null, which looks exactly like "nothing stored yet" (integration notes §4.2).
import { randomBytes } from 'node:crypto'

export type Keytar = typeof import('keytar')

const PROBE_SERVICE = 'mua-sts-keyring-probe'
const PROBE_TIMEOUT_MS = 5_000

/** Loads keytar (an optional dependency with a native build); undefined when it cannot load. */
export async function loadKeytar(): Promise<Keytar | undefined> {
  try {
    const mod = await import('keytar')
    // keytar is CommonJS: its functions sit on the default export under ESM.
    return (mod as { default?: Keytar }).default ?? mod
  } catch {
    return undefined
  }
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`keyring did not answer within ${ms} ms`)), ms)
  })
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer))
}

/**
 * True when a probe secret can be written, read back unchanged and deleted through keytar. Does I/O
 * (D-Bus); never throws. Under scripts/with-keyring.sh this talks to a private gnome-keyring.
 */
export async function keytarAvailable(): Promise<boolean> {
  const keytar = await loadKeytar()
  if (keytar === undefined) return false
  const account = `probe-${randomBytes(6).toString('hex')}`
  const secret = randomBytes(12).toString('base64')
  try {
    return await withTimeout(
      (async () => {
        await keytar.setPassword(PROBE_SERVICE, account, secret)
        const readBack = await keytar.getPassword(PROBE_SERVICE, account)
        const deleted = await keytar.deletePassword(PROBE_SERVICE, account)
        return readBack === secret && deleted
      })(),
      PROBE_TIMEOUT_MS,
    )
  } catch {
    return false
  }
}
