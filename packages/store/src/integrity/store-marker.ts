// The marker file says "this directory is a store, created in this integrity mode, with this key". It is
// what lets the store tell "no key yet" (a new store) from "the keychain returns nothing" (locked,
// unavailable or reset) once the keychain answers null, and it pins the key fingerprint so that a
// different key (a swapped keychain item, another store's key) is noticed. It holds no secret.
import { readdir } from 'node:fs/promises'
import { IsoTimeSchema } from '@mua-sts/core'
import * as z from 'zod'
import { AUDIT_FILE } from '../audit/audit-log.js'
import { canonicalJson } from '../format/canonical-json.js'
import { FILE_NAME_RE } from '../format/store-file.js'
import { readCapped, writeAtomic } from '../fs/safe-file.js'
import { corrupt, errnoOf, io } from '../store-errors.js'

/** Name of the marker file inside a store directory. */
export const MARKER_FILE = 'store.json'

export const IntegrityModeSchema = z.enum(['keychain', 'none-explicit-opt-in'])
/** 'keychain' (MAC + anti-rollback) or the explicitly unprotected mode. */
export type IntegrityMode = z.infer<typeof IntegrityModeSchema>

export const MarkerSchema = z.strictObject({
  format: z.literal('mua-sts/store-marker'),
  version: z.literal(1),
  integrity: IntegrityModeSchema,
  /** SecretStore backend that holds the key (null in an unprotected store). */
  backend: z.string().max(64).nullable(),
  storeId: z.string().max(64),
  /** Public fingerprint of the integrity key (null in an unprotected store). */
  keyId: z
    .string()
    .regex(/^[0-9a-f]{32}$/)
    .nullable(),
  createdAt: IsoTimeSchema,
})
export type Marker = z.infer<typeof MarkerSchema>

/** A fresh marker record. Pure. */
export function newMarker(input: {
  integrity: IntegrityMode
  backend: string | null
  storeId: string
  keyId: string | null
  now: Date
}): Marker {
  const { now, ...rest } = input
  return { format: 'mua-sts/store-marker', version: 1, ...rest, createdAt: now.toISOString() }
}

/** Reads the marker, or undefined if absent. Throws MUASTS_ERR_STORE_CORRUPT if it is malformed. */
export async function readMarker(dir: string): Promise<Marker | undefined> {
  const bytes = readCapped(dir, MARKER_FILE, 4096)?.bytes
  if (bytes === undefined) return undefined
  let raw: unknown
  try {
    raw = JSON.parse(bytes.toString('utf8'))
  } catch (error) {
    throw corrupt('store marker is not JSON', { file: MARKER_FILE }, error)
  }
  const parsed = MarkerSchema.safeParse(raw)
  if (!parsed.success) throw corrupt('store marker is malformed', { file: MARKER_FILE }, parsed.error)
  return parsed.data
}

/** Writes the marker atomically. Call under the store lock. */
export async function writeMarker(dir: string, marker: Marker): Promise<void> {
  await writeAtomic(dir, MARKER_FILE, Buffer.from(`${canonicalJson(marker)}\n`, 'utf8'))
}

/** True if the directory holds any account file or an audit log (i.e. a key must already exist). */
export async function hasStoreData(dir: string): Promise<boolean> {
  let names: string[]
  try {
    names = await readdir(dir)
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return false
    throw io('list directory', error)
  }
  return names.some((n) => n === AUDIT_FILE || FILE_NAME_RE.test(n))
}
