// The value of an account's record key: every commitment of the account, a per-account version `seq`
// that every write raises by one (anti-rollback, kept under the MAC), and the number of audit entries
// the account has (so a truncated audit stream is detected). zod guards it on every read: Redis is a
// trust boundary, since anyone who can write to it can write these bytes.
import {
  type AccountRef,
  AccountRefSchema,
  type Commitment,
  CommitmentSchema,
  SERVICES,
  type Service,
} from '@mua-sts/core'
import * as z from 'zod'
import { corrupt } from '../store-errors.js'
import type { Sealer } from './sealed.js'

/** Format tag that starts every record value. */
export const RECORD_FORMAT = 'mua-sts/redis-record/1'

const BodySchema = z.strictObject({
  account: AccountRefSchema,
  seq: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  audit: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  commitments: z.strictObject({
    imap: CommitmentSchema.optional(),
    pop3: CommitmentSchema.optional(),
    submission: CommitmentSchema.optional(),
  }),
})

/** An account's commitments by service. */
export type ServiceCommitments = Partial<Record<Service, Commitment>>
/** A verified record: the account's commitments, its version and its audit entry count. */
export type AccountRecord = {
  readonly account: AccountRef
  readonly seq: number
  readonly audit: number
  readonly commitments: ServiceCommitments
}

/** Seals a record for writing. Pure apart from the HMAC. */
export function encodeRecord(s: Sealer, r: AccountRecord): string {
  const commitments: ServiceCommitments = {}
  for (const svc of SERVICES) {
    const c = r.commitments[svc]
    if (c !== undefined) commitments[svc] = c
  }
  const body = { account: r.account, seq: r.seq, audit: r.audit, commitments }
  return s.seal(RECORD_FORMAT, r.account, JSON.stringify(body))
}

/**
 * Verifies and parses the value found under `account`'s record key. Throws MUASTS_ERR_STORE_CORRUPT for
 * a bad MAC, format, JSON or schema, and for a record or commitment of another account or service.
 */
export function decodeRecord(s: Sealer, account: AccountRef, value: string): AccountRecord {
  const json = s.open(RECORD_FORMAT, account, value)
  let raw: unknown
  try {
    raw = JSON.parse(json)
  } catch (error) {
    throw corrupt('record is not JSON', { account }, error)
  }
  const parsed = BodySchema.safeParse(raw)
  if (!parsed.success) throw corrupt('record fails its schema', { account }, parsed.error)
  const body = parsed.data
  if (body.account !== account) throw corrupt('record belongs to another account', { account })
  const commitments: ServiceCommitments = {}
  for (const svc of SERVICES) {
    const c = body.commitments[svc]
    if (c === undefined) continue
    if (c.account !== account || c.service !== svc) {
      throw corrupt('commitment filed under the wrong account or service', { account, service: svc })
    }
    commitments[svc] = c
  }
  return { account, seq: body.seq, audit: body.audit, commitments }
}

/** Deterministic JSON (sorted keys) for "did the join change anything" checks. Pure. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  )
}
