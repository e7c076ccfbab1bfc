// The store side of the forget ceremony (the only way to weaken a commitment; RFC 8314 §5.4, DEEP -04
// §5.4): what a confirmed request removes, the audit record that is made durable before anything is
// removed, and the reset of an account whose data no longer verifies.
import {
  type AccountRef,
  type Commitment,
  ErrorCode,
  type ForgetRequest,
  isSdkError,
  SdkError,
  SERVICES,
  type Service,
} from '@mua-sts/core'
import type { AccountFiles } from './account-files.js'
import type { AuditLog, StoreAuditRecord } from './audit/audit-log.js'
import { type AccountBody, fileIdOf, type ServiceCommitments } from './format/store-file.js'
import { type Marks, markOf } from './integrity/marks.js'

/** A confirmation token's scope, remembered between requestForget and forget. */
export type PendingForget = { account: AccountRef; service: Service | undefined; unverified: boolean }

/** Integrity failures a user may knowingly reset through the ceremony (a locked keychain is not one). */
export function resettable(error: unknown): error is SdkError & {
  code: typeof ErrorCode.StoreCorrupt | typeof ErrorCode.StoreRollback
} {
  return isSdkError(error, ErrorCode.StoreCorrupt) || isSdkError(error, ErrorCode.StoreRollback)
}

/** The commitments of `body` for one service, or for all. */
export function selectServices(body: AccountBody | undefined, service: Service | undefined): Commitment[] {
  if (body === undefined) return []
  const services = service === undefined ? SERVICES : [service]
  return services.flatMap((s) => body.commitments[s] ?? [])
}

/** The next sequence number: above both the file and its mark, so a rewrite is never mistaken for an old file. */
export function nextSeq(current: AccountBody | undefined, marks: Marks | null, account: AccountRef): number {
  const marked = marks === null ? 0 : (markOf(marks, fileIdOf(account))?.seq ?? 0)
  return Math.max(current?.seq ?? 0, marked) + 1
}

type ForgetInput = {
  readonly files: AccountFiles
  readonly audit: AuditLog
  readonly marks: Marks | null
  readonly pending: PendingForget
  readonly request: ForgetRequest
  readonly now: Date
}

/**
 * Runs the ceremony's steps that must happen under the store lock, up to (not including) the write:
 * re-reads the account, appends the audit record durably, and returns the record and the account body
 * to write. An unverifiable account (only when the token was issued for one) is copied to quarantine/
 * and reset to empty. Does I/O. Throws MUASTS_ERR_NO_COMMITMENT if nothing is left to forget.
 */
export async function forgetUnderLock(input: ForgetInput): Promise<{
  record: StoreAuditRecord
  body: AccountBody
  auditHead: { records: number; head: string }
}> {
  const { files, marks, pending, request, now } = input
  const account = pending.account
  let current: AccountBody | undefined
  let unverified: StoreAuditRecord['unverified']
  try {
    current = files.readFresh(account, marks)
  } catch (error) {
    if (!pending.unverified || !resettable(error)) throw error
    unverified = { code: error.code, quarantined: await files.quarantine(account, now) }
  }
  const removed = selectServices(current, pending.service)
  if (unverified === undefined && removed.length === 0) throw new SdkError(ErrorCode.NoCommitment)
  const record: StoreAuditRecord = {
    kind: 'forget',
    at: now.toISOString(),
    account,
    services: removed.map((c) => c.service),
    actor: request.actor,
    reason: request.reason,
    removed,
    ...(unverified === undefined ? {} : { unverified }),
  }
  const auditHead = await input.audit.append(record, marks)
  const commitments: ServiceCommitments = {}
  for (const s of SERVICES) {
    const keep = current?.commitments[s]
    if (keep !== undefined && !removed.includes(keep)) commitments[s] = keep
  }
  // The account file stays (possibly empty) with a higher seq, so restoring the old one is a rollback.
  return { record, body: { account, seq: nextSeq(current, marks, account), commitments }, auditHead }
}
