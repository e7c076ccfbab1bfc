// One account file: every commitment of one account, MACed, in canonical JSON (see canonical-json.ts).
//
// At rest a file reveals (it is not encrypted; the MAC gives integrity, not confidentiality):
//   - the opaque account reference (never a username or address; AccountRefSchema forbids those),
//   - for each service: the server host name, port and transport, TLS floor, latched DEEP tags,
//     saved STS directives, SPKI pin hashes, the status URL, and when each property was first seen
//     and last confirmed (provenance),
//   - a sequence number (how often this account's commitments were rewritten).
// It never contains credentials, keys or the integrity key.
import { createHash } from 'node:crypto'
import {
  type AccountRef,
  AccountRefSchema,
  type Commitment,
  CommitmentSchema,
  type Service,
} from '@mua-sts/core'
import * as z from 'zod'
import { MacSchema, mac, type StoreKeys, sameMac } from '../integrity/keys.js'
import { corrupt } from '../store-errors.js'
import { canonicalJson, canonicalJsonPair } from './canonical-json.js'
import { decodeV0, isV0Shape } from './migrations.js'

/** `format` of an account file. */
export const STORE_FORMAT = 'mua-sts/store'
/** Current account file version; older versions are migrated on read (migrations.ts). */
export const STORE_VERSION = 1

export const ServiceCommitmentsSchema = z.strictObject({
  imap: CommitmentSchema.optional(),
  pop3: CommitmentSchema.optional(),
  submission: CommitmentSchema.optional(),
})
export type ServiceCommitments = z.infer<typeof ServiceCommitmentsSchema>

/** Format v1 as written. `mac` is null only in a store opened with `integrity: 'none-explicit-opt-in'`. */
export const StoreFileV1Schema = z.strictObject({
  format: z.literal(STORE_FORMAT),
  version: z.literal(STORE_VERSION),
  account: AccountRefSchema,
  seq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  commitments: ServiceCommitmentsSchema,
  mac: MacSchema.nullable(),
})
/** An account file as written (format v1). */
export type StoreFileV1 = z.infer<typeof StoreFileV1Schema>

/** An account's data after decoding and migrating, whatever version the file had. */
export type AccountBody = {
  readonly account: AccountRef
  readonly seq: number
  readonly commitments: ServiceCommitments
  /** Set when the file had an older format; the next write stores it as v1. */
  readonly migratedFrom?: number
}

/** The file id of an account: hex SHA-256 of its reference, so file names reveal nothing of the ref. */
export function fileIdOf(account: AccountRef): string {
  return createHash('sha256').update(account, 'utf8').digest('hex')
}

export const FILE_NAME_RE = /^([0-9a-f]{64})\.json$/

/** Encodes an account file (v1, canonical, MACed unless `keys` is null). Pure. */
export function encodeAccountFile(body: AccountBody, keys: StoreKeys | null): Buffer {
  const unsigned = {
    format: STORE_FORMAT,
    version: STORE_VERSION,
    account: body.account,
    seq: body.seq,
    commitments: body.commitments,
  }
  const tag = keys === null ? null : mac(keys.file, canonicalJson(unsigned))
  return Buffer.from(`${canonicalJson({ ...unsigned, mac: tag })}\n`, 'utf8')
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

/**
 * Decodes and verifies an account file of any supported version. Pure. Throws MUASTS_ERR_STORE_CORRUPT
 * for anything but an authentic, well-formed file of the account whose file id is `fileId`.
 */
export function decodeAccountFile(bytes: Uint8Array, fileId: string, keys: StoreKeys | null): AccountBody {
  let text: string
  let raw: unknown
  try {
    text = utf8.decode(bytes)
    raw = JSON.parse(text)
  } catch (error) {
    throw corrupt('file is not UTF-8 JSON', {}, error)
  }
  const body = decodeVersioned(raw, text, keys)
  if (fileIdOf(body.account) !== fileId) throw corrupt('account does not match the file name')
  for (const [service, c] of Object.entries(body.commitments) as [Service, Commitment | undefined][]) {
    if (c !== undefined && (c.account !== body.account || c.service !== service)) {
      throw corrupt('commitment filed under the wrong account or service', { service })
    }
  }
  return body
}

function decodeVersioned(raw: unknown, text: string, keys: StoreKeys | null): AccountBody {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw corrupt('not a store file')
  const envelope = raw as { format?: unknown; version?: unknown }
  if (envelope.format === STORE_FORMAT) {
    if (envelope.version !== STORE_VERSION) {
      throw corrupt('unknown format version', { version: String(envelope.version).slice(0, 16) })
    }
    return decodeV1(raw, text, keys)
  }
  if (isV0Shape(raw)) return decodeV0(raw, keys)
  throw corrupt('not a store file')
}

function decodeV1(raw: object, text: string, keys: StoreKeys | null): AccountBody {
  const parsed = StoreFileV1Schema.safeParse(raw)
  if (!parsed.success) throw corrupt('schema validation failed', {}, parsed.error)
  // Only the exact encoding we write is accepted; see canonical-json.ts.
  const canonical = canonicalJsonPair(raw, 'mac')
  if (text !== `${canonical.full}\n`) throw corrupt('file is not in canonical form')
  const file = parsed.data
  if (keys === null) {
    if (file.mac !== null) throw corrupt('file is integrity-protected but the store was opened without a key')
  } else {
    if (file.mac === null) throw corrupt('file has no MAC')
    if (!sameMac(file.mac, mac(keys.file, canonical.without))) throw corrupt('MAC mismatch')
  }
  return { account: file.account, seq: file.seq, commitments: file.commitments }
}
