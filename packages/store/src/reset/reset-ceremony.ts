// The store reset ceremony (issue #12 item 6): the way out for a store that can no longer verify itself
// (integrity key deleted or swapped, high-water marks deleted or damaged, keyring recreated, audit log
// damaged), which otherwise fails closed forever. It never makes anything trusted: every quarantined
// account is left with no commitment, so guards refuse with MUASTS_ERR_NO_COMMITMENT until setup runs
// again (no silent trust on first use).
//
// Scope 'store': every account file and the audit log move to quarantine/reset-<time>/ (kept, never
// deleted; the old marker is copied there too), a new audit log starts with the `reset` record, and the
// store is re-keyed: new key, probe and marks in the keychain, then a new marker. The old marker stays
// in place until that last atomic rename, and the key is written before the marks, so a crash at any
// point leaves a store that still fails to open (key absent, or a key that does not match the marker)
// and is diagnosed again: the ceremony can always be repeated, and is complete only once the marker is.
// Scope 'audit-log': key and marks verify, so account files are kept; only the log is quarantined and
// restarted, and the marks' audit head moves to the new log.
import { createHash, randomBytes } from 'node:crypto'
import { mkdir, readdir, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { ErrorCode, isSdkError, SdkError } from '@mua-sts/core'
import { QUARANTINE_DIR } from '../account-files.js'
import { AUDIT_FILE, AuditLog, type StoreAuditRecord } from '../audit/audit-log.js'
import { FILE_NAME_RE } from '../format/store-file.js'
import type { HeldLock } from '../fs/dir-lock.js'
import { identityOf, readCapped, syncDir } from '../fs/safe-file.js'
import { deriveKeys, newMasterKey, type StoreKeys } from '../integrity/keys.js'
import { MARKS_DIR } from '../integrity/mark-buckets.js'
import type { MarkKeeper } from '../integrity/mark-keeper.js'
import type { Marks } from '../integrity/mark-snapshot.js'
import { emptyAnchor, encodeAnchor } from '../integrity/marks.js'
import type { SecretNames } from '../integrity/open-keys.js'
import { MARKER_FILE, newMarker, writeMarker } from '../integrity/store-marker.js'
import type { SecretStore } from '../secrets/secret-store.js'
import { errnoOf, io, keychainUnavailable } from '../store-errors.js'
import type { Diagnosis, ResetScope } from './diagnose.js'

const MAX_AUDIT_BYTES = 64 * 1024 * 1024

/** Files a reset of `scope` moves to quarantine (names relative to the store directory, sorted). */
export async function affectedFiles(
  dir: string,
  scope: ResetScope,
): Promise<{ accounts: number; files: string[] }> {
  let names: string[]
  try {
    names = await readdir(dir)
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') names = []
    else throw io('list directory', error)
  }
  const accounts = scope === 'store' ? names.filter((n) => FILE_NAME_RE.test(n)).sort() : []
  const audit = names.includes(AUDIT_FILE) ? [AUDIT_FILE] : []
  // The marks buckets describe the quarantined account files; they go with them (scope 'store').
  const marks = scope === 'store' && names.includes(MARKS_DIR) ? [MARKS_DIR] : []
  return { accounts: accounts.length, files: [...accounts, ...audit, ...marks] }
}

export type ResetInput = {
  readonly dir: string
  readonly storeId: string
  readonly secrets: SecretStore
  readonly names: SecretNames
  /** Records the new audit head (scope 'audit-log'), migrating a v1 marks item on the way. */
  readonly keeper: MarkKeeper
  readonly lock: HeldLock
  readonly finding: Extract<Diagnosis, { healthy: false }>
  readonly files: readonly string[]
  readonly accounts: number
  readonly actor: string
  readonly reason: string
  readonly now: Date
}

/**
 * Runs the reset under the store lock (the caller holds `lock` and re-diagnosed under it). Does I/O.
 * Returns the `reset` audit record. Throws MUASTS_ERR_STORE_IO, _STORE_LOCKED, and
 * MUASTS_ERR_KEYCHAIN_UNAVAILABLE if the keychain fails midway (then nothing is trusted and the
 * ceremony can be run again).
 */
export async function runReset(input: ResetInput): Promise<StoreAuditRecord> {
  const { dir, finding, now } = input
  await input.lock.assertHeld()
  const quarantine = await makeQuarantine(dir, now)
  if (finding.scope === 'store') await copyMarker(dir, quarantine)
  for (const name of input.files) await moveAside(dir, quarantine, name)
  await syncDir(join(dir, quarantine))
  await syncDir(dir)
  if (identityOf(dir, AUDIT_FILE) !== undefined) {
    throw new SdkError(ErrorCode.Internal, 'The audit log is still in place after it was quarantined.')
  }
  const record: StoreAuditRecord = {
    kind: 'reset',
    at: now.toISOString(),
    account: `store:${input.storeId}`,
    services: [],
    actor: input.actor,
    reason: input.reason,
    removed: [],
    reset: {
      cause: finding.cause,
      scope: finding.scope,
      diagnosis: finding.diagnosis,
      quarantine,
      accounts: input.accounts,
      previousAudit: input.files.includes(AUDIT_FILE) ? hashOf(dir, join(quarantine, AUDIT_FILE)) : null,
    },
  }
  if (finding.scope === 'audit-log') {
    const verified = finding.verified
    if (verified === undefined)
      throw new SdkError(ErrorCode.Internal, 'audit-log reset without verified keys')
    await restartAudit(input, record, verified.keys, verified.marks)
  } else {
    await rekey(input, record)
  }
  return record
}

async function makeQuarantine(dir: string, now: Date): Promise<string> {
  await mkdir(join(dir, QUARANTINE_DIR), { recursive: true, mode: 0o700 }).catch((error: unknown) => {
    throw io('create quarantine', error)
  })
  const stamp = now.toISOString().replace(/[:.]/g, '-')
  for (const suffix of ['', `-${randomBytes(4).toString('hex')}`]) {
    const rel = join(QUARANTINE_DIR, `reset-${stamp}${suffix}`)
    try {
      await mkdir(join(dir, rel), { mode: 0o700 })
      return rel
    } catch (error) {
      if (errnoOf(error) !== 'EEXIST') throw io('create quarantine', error)
    }
  }
  throw io('create quarantine', Object.assign(new Error('name taken'), { code: 'EEXIST' }))
}

/** rename(2) moves a planted symlink itself, never its target. A file already gone is skipped. */
async function moveAside(dir: string, quarantine: string, name: string): Promise<void> {
  try {
    await rename(join(dir, name), join(dir, quarantine, name))
  } catch (error) {
    if (errnoOf(error) !== 'ENOENT') throw io('quarantine', error, { file: name })
  }
}

/** Keeps a copy of the old marker next to the files it described (it is replaced, not moved: see top). */
async function copyMarker(dir: string, quarantine: string): Promise<void> {
  let bytes: Buffer | undefined
  try {
    bytes = readCapped(dir, MARKER_FILE, 4096)?.bytes
  } catch {
    return // a marker that cannot even be read safely is not copied; it is replaced all the same
  }
  if (bytes === undefined) return
  await writeFile(join(dir, quarantine, MARKER_FILE), bytes, { flag: 'wx', mode: 0o600 }).catch(
    (error: unknown) => {
      throw io('quarantine', error, { file: MARKER_FILE })
    },
  )
}

function hashOf(dir: string, rel: string): { file: string; sha256: string; bytes: number } | null {
  try {
    const file = readCapped(dir, rel, MAX_AUDIT_BYTES)
    if (file === undefined) return null
    return {
      file: rel,
      sha256: createHash('sha256').update(file.bytes).digest('hex'),
      bytes: file.bytes.length,
    }
  } catch {
    return null // not a regular file or too large: it is kept in quarantine, unhashed
  }
}

async function restartAudit(input: ResetInput, record: StoreAuditRecord, keys: StoreKeys, marks: Marks) {
  const head = await new AuditLog(input.dir, keys).append(record, null)
  await input.lock.assertHeld()
  try {
    await input.keeper.record(marks, undefined, head, () => input.lock.assertHeld())
  } catch (error) {
    if (!isSdkError(error, ErrorCode.KeychainUnavailable)) throw error
    throw incomplete(input.secrets, error)
  }
}

async function rekey(input: ResetInput, record: StoreAuditRecord): Promise<void> {
  const { secrets, names } = input
  const key = newMasterKey()
  const probe = randomBytes(16).toString('base64url')
  const keys = deriveKeys(key)
  const head = await new AuditLog(input.dir, keys).append(record, null)
  const marks = encodeAnchor({ ...emptyAnchor(), audit: { records: head.records, head: head.head } })
  await input.lock.assertHeld()
  try {
    // Key first: from here on the old marker no longer matches, so an interrupted reset stays visible.
    await secrets.set(names.key, key)
    await secrets.set(names.probe, probe)
    await secrets.set(names.marks, marks)
    const back = [
      await secrets.get(names.key),
      await secrets.get(names.probe),
      await secrets.get(names.marks),
    ]
    if (back[0] !== key || back[1] !== probe || back[2] !== marks) throw new Error('read-back mismatch')
  } catch (error) {
    throw incomplete(secrets, error)
  }
  await input.lock.assertHeld()
  const marker = newMarker({
    integrity: 'keychain',
    backend: secrets.backend,
    storeId: input.storeId,
    keyId: keys.keyId,
    now: input.now,
  })
  await writeMarker(input.dir, marker)
}

function incomplete(secrets: SecretStore, cause: unknown): SdkError {
  return keychainUnavailable(
    'the keychain failed during the reset; the store is still unusable and the reset can be run again',
    { backend: secrets.backend, committed: false },
    cause,
  )
}
