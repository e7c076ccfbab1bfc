// The store side of the forget ceremony and its variants (the only way to weaken a commitment; RFC 8314
// §5.4, DEEP -04 §5.4): what a confirmed request removes and writes, the audit record that is made
// durable before anything changes, and the reset of an account whose data no longer verifies. `forget`
// only removes; `replace` removes and pins what setup confirmed; `rotate-pins` swaps one service's pin
// set. Each is one audit append and one account-file write under one lock, so a reader sees the old
// state or the new one, never the account without a commitment in between.
import {
  type AccountRef,
  addedByCeremony,
  type CeremonyChange,
  type Commitment,
  ErrorCode,
  type ForgetRequest,
  isSdkError,
  SdkError,
  SERVICES,
  type Service,
  servicesOfCeremony,
} from '@mua-sts/core'
import type { AccountFiles } from './account-files.js'
import type { AuditLog, StoreAuditRecord } from './audit/audit-log.js'
import { type AccountBody, fileIdOf, type ServiceCommitments } from './format/store-file.js'
import type { Marks } from './integrity/mark-snapshot.js'

/** A confirmation token's scope, remembered between requestForget and the ceremony's step 2. */
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
  const marked = marks === null ? 0 : (marks.mark(fileIdOf(account))?.seq ?? 0)
  return Math.max(current?.seq ?? 0, marked) + 1
}

/** What the ceremony writes for the services it removed (core `addedByCeremony` at `now`). Pure. */
export function addedBy(change: CeremonyChange, removed: readonly Commitment[], now: Date): Commitment[] {
  return addedByCeremony(change, removed, now.toISOString())
}

type CeremonyInput = {
  readonly files: AccountFiles
  readonly audit: AuditLog
  readonly marks: Marks | null
  readonly pending: PendingForget
  readonly request: ForgetRequest
  readonly change: CeremonyChange
  readonly now: Date
}

/**
 * Runs the ceremony's steps that must happen under the store lock, up to (not including) the write:
 * re-reads the account, appends the audit record durably, and returns the record and the account body
 * to write. An unverifiable account (only when the token was issued for one) is copied to quarantine/
 * and reset to empty before `replace` writes into it. Does I/O. Throws MUASTS_ERR_NO_COMMITMENT if the
 * commitments the token covered are gone (e.g. forgotten by another process meanwhile).
 */
export async function ceremonyUnderLock(input: CeremonyInput): Promise<{
  record: StoreAuditRecord
  body: AccountBody
  auditHead: { records: number; head: string }
}> {
  const { files, marks, pending, request, change, now } = input
  const account = pending.account
  let current: AccountBody | undefined
  let unverified: StoreAuditRecord['unverified']
  try {
    current = files.readFresh(account, marks)
  } catch (error) {
    if (!pending.unverified || !resettable(error) || change.kind === 'rotate-pins') throw error
    unverified = { code: error.code, quarantined: await files.quarantine(account, now) }
  }
  const removed = selectServices(current, pending.service)
  if (removed.length === 0 && (unverified === undefined || change.kind === 'rotate-pins')) {
    throw new SdkError(ErrorCode.NoCommitment)
  }
  const added = addedBy(change, removed, now)
  const record: StoreAuditRecord = {
    kind: change.kind,
    at: now.toISOString(),
    account,
    services: servicesOfCeremony(removed, added),
    actor: request.actor,
    reason: request.reason,
    removed,
    ...(change.kind === 'forget' ? {} : { added }),
    ...(unverified === undefined ? {} : { unverified }),
  }
  const auditHead = await input.audit.append(record, marks)
  const commitments: ServiceCommitments = {}
  for (const s of SERVICES) {
    const keep = current?.commitments[s]
    if (keep !== undefined && !removed.includes(keep)) commitments[s] = keep
  }
  for (const c of added) commitments[c.service] = c
  // The account file stays (possibly empty) with a higher seq, so restoring the old one is a rollback.
  return { record, body: { account, seq: nextSeq(current, marks, account), commitments }, auditHead }
}
