// Older file formats and their migration to v1 (house style H16). Each older format is verified under
// its own rules first (its MAC, its schema) and only then converted, so a migration can never launder a
// tampered file. Migrated data is kept in memory; the next write under the lock stores it as v1.
//
// v0 was the prototype layout of the integration notes (§4.4): `schemaVersion`/`accountId` instead of
// format/version/account, a flat commitment per service with a plain SPKI pin list, no provenance, and a
// hex HMAC-SHA256 computed with the master key itself (v1 uses an HKDF subkey).
import {
  AccountRefSchema,
  type Commitment,
  CommitmentSchema,
  canonicalHost,
  IsoTimeSchema,
  merge,
  PortSchema,
  type Provenance,
  provenanceKey,
  SecurityTagSchema,
  ServiceSchema,
  SpkiSchema,
  TlsFloorSchema,
  TransportSchema,
} from '@mua-sts/core'
import * as z from 'zod'
import { mac, type StoreKeys, sameMac } from '../integrity/keys.js'
import { corrupt } from '../store-errors.js'
import { canonicalJson } from './canonical-json.js'
import type { AccountBody, ServiceCommitments } from './store-file.js'

const LegacyCommitmentV0Schema = z.strictObject({
  service: ServiceSchema,
  host: z.string().min(1).max(254),
  port: PortSchema,
  transport: TransportSchema,
  tlsFloor: TlsFloorSchema,
  latches: z.array(SecurityTagSchema).max(64),
  pins: z.array(SpkiSchema).max(16),
  firstSeen: IsoTimeSchema,
})

/** The v0 (prototype) account file, kept only to read and migrate old stores. */
export const StoreFileV0Schema = z.strictObject({
  schemaVersion: z.literal(0),
  accountId: AccountRefSchema,
  seq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  observedAt: IsoTimeSchema,
  commitments: z.array(LegacyCommitmentV0Schema).max(3),
  mac: z.string().regex(/^[0-9a-f]{64}$/, 'expected a hex HMAC-SHA256 tag'),
})
/** A v0 account file. */
export type StoreFileV0 = z.infer<typeof StoreFileV0Schema>

/** True when `raw` claims to be a v0 file (it may still fail verification). */
export function isV0Shape(raw: object): boolean {
  return (raw as { schemaVersion?: unknown }).schemaVersion === 0
}

/** Verifies a v0 file (schema, then MAC) and migrates it. Throws MUASTS_ERR_STORE_CORRUPT. */
export function decodeV0(raw: object, keys: StoreKeys | null): AccountBody {
  const parsed = StoreFileV0Schema.safeParse(raw)
  if (!parsed.success) throw corrupt('schema validation failed (v0)', {}, parsed.error)
  // v0 predates the unprotected mode: a v0 file is only ever accepted with its MAC checked.
  if (keys === null) throw corrupt('v0 files can only be read with the integrity key')
  const expected = mac(keys.master, canonicalJson({ ...raw, mac: undefined }))
  if (!sameMac(Buffer.from(parsed.data.mac, 'hex').toString('base64url'), expected)) {
    throw corrupt('MAC mismatch (v0)')
  }
  return migrateV0ToV1(parsed.data)
}

/**
 * Converts a verified v0 file to the v1 body. Pure. Pins become primary SPKI pins from setup, latches
 * become server-sourced latches first seen at `firstSeen`; two entries for one service are joined with
 * core `merge`, so migration never drops a latch and never accepts a key that a pinned entry refused
 * (pin sets only narrow). Throws MUASTS_ERR_STORE_CORRUPT if an entry cannot be expressed as a valid v1
 * commitment (e.g. a host that is not a DNS name), or if two entries for one service name different
 * endpoints or disjoint pin sets (which one is real cannot be decided: fail closed).
 */
export function migrateV0ToV1(v0: StoreFileV0): AccountBody {
  const commitments: ServiceCommitments = {}
  for (const legacy of v0.commitments) {
    const next = legacyToCommitment(v0.accountId, legacy, v0.observedAt)
    const current = commitments[legacy.service]
    try {
      commitments[legacy.service] = current === undefined ? next : merge(current, next)
    } catch (error) {
      throw corrupt(`v0 entries for ${legacy.service} cannot be joined`, {}, error)
    }
  }
  return { account: v0.accountId, seq: v0.seq, commitments, migratedFrom: 0 }
}

function legacyToCommitment(
  account: string,
  legacy: StoreFileV0['commitments'][number],
  observedAt: string,
): Commitment {
  const setup: Provenance = { source: 'setup', firstSeen: legacy.firstSeen, lastConfirmed: observedAt }
  const server: Provenance = { ...setup, source: 'server' }
  const latches = [...new Set(legacy.latches)].sort()
  const pins = [...new Set(legacy.pins)].sort()
  const provenance: Record<string, Provenance> = {
    [provenanceKey('endpoint')]: setup,
    [provenanceKey('tlsFloor')]: setup,
  }
  for (const tag of latches) provenance[provenanceKey('latch', tag)] = server
  for (const pin of pins) provenance[provenanceKey('pin', pin)] = setup
  const result = CommitmentSchema.safeParse({
    format: 'mua-sts/commitment',
    version: 1,
    account,
    service: legacy.service,
    endpoint: { host: canonicalHost(legacy.host), port: legacy.port, transport: legacy.transport },
    minLevel: 'high',
    tlsFloor: legacy.tlsFloor,
    latches,
    directives: {},
    pins: { spki: pins, backup: [] },
    provenance,
  })
  if (!result.success) throw corrupt('v0 entry cannot be migrated', { service: legacy.service }, result.error)
  return result.data
}
