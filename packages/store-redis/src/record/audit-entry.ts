// Audit entries: one sealed AuditRecord per ceremony, appended to the account's stream by the same
// script that rewrites the record. The MAC binds the entry to its account and its position n (1-based),
// and the record counts the entries, so a deleted, reordered, truncated or transplanted entry is
// detected when the log is read.
import {
  AccountRefSchema,
  type AuditRecord,
  CommitmentSchema,
  IsoTimeSchema,
  ServiceSchema,
} from '@mua-sts/core'
import * as z from 'zod'
import { corrupt } from '../store-errors.js'
import type { Sealer } from './sealed.js'

/** Format tag that starts every audit entry. */
export const AUDIT_FORMAT = 'mua-sts/redis-audit/1'

const AuditRecordSchema = z.strictObject({
  kind: z.enum(['forget', 'replace', 'rotate-pins', 'reset']),
  at: IsoTimeSchema,
  account: AccountRefSchema,
  services: z.array(ServiceSchema).max(3),
  actor: z.string().max(256),
  reason: z.string().max(4096),
  removed: z.array(CommitmentSchema).max(3),
  added: z.array(CommitmentSchema).max(3).optional(),
})

const context = (account: string, n: number): string => `${account}#${n}`

/** Seals the account's `n`-th audit record. */
export function encodeAudit(s: Sealer, n: number, record: AuditRecord): string {
  return s.seal(AUDIT_FORMAT, context(record.account, n), JSON.stringify(record))
}

/**
 * Verifies the entries of one account's stream, oldest first, against the count its record holds.
 * Throws MUASTS_ERR_STORE_CORRUPT for a bad entry, a missing or extra entry, or one of another account.
 */
export function decodeAudit(s: Sealer, account: string, expected: number, values: string[]): AuditRecord[] {
  if (values.length !== expected) {
    throw corrupt('audit stream does not match the record', { account, expected, found: values.length })
  }
  return values.map((value, i) => {
    const json = s.open(AUDIT_FORMAT, context(account, i + 1), value)
    let raw: unknown
    try {
      raw = JSON.parse(json)
    } catch (error) {
      throw corrupt('audit entry is not JSON', { account }, error)
    }
    const parsed = AuditRecordSchema.safeParse(raw)
    if (!parsed.success || parsed.data.account !== account) {
      throw corrupt('audit entry fails its schema', { account }, parsed.error)
    }
    const { added, ...rest } = parsed.data
    return added === undefined ? rest : { ...rest, added }
  })
}
