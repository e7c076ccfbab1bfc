// What step 2 of a ceremony writes in place of what the token covers (core `addedByCeremony`, the same
// rules as every store), as one Redis record with its audit record. Pure.
import {
  type AuditRecord,
  addedByCeremony,
  type CeremonyChange,
  type CeremonyScope,
  ErrorCode,
  type ForgetRequest,
  SdkError,
  SERVICES,
  type Service,
  servicesOfCeremony,
} from '@mua-sts/core'
import type { AccountRecord, ServiceCommitments } from '../record/account-record.js'

/**
 * The record after the ceremony and its audit record, from the verified `current` record. Throws
 * MUASTS_ERR_NO_COMMITMENT when what the token covered is gone (e.g. forgotten by another worker).
 */
export function applyCeremony(
  current: AccountRecord | undefined,
  pending: CeremonyScope,
  request: ForgetRequest,
  change: CeremonyChange,
  now: Date,
): { record: AccountRecord; audit: AuditRecord } {
  const covered = (s: Service) => pending.service === undefined || pending.service === s
  const removed = SERVICES.flatMap((s) => (covered(s) ? (current?.commitments[s] ?? []) : []))
  if (removed.length === 0) throw new SdkError(ErrorCode.NoCommitment)
  const at = now.toISOString()
  const added = addedByCeremony(change, removed, at)
  const commitments: ServiceCommitments = {}
  for (const s of SERVICES) {
    const keep = current?.commitments[s]
    if (keep !== undefined && !covered(s)) commitments[s] = keep
  }
  for (const c of added) commitments[c.service] = c
  const audit: AuditRecord = {
    kind: change.kind,
    at,
    account: pending.account,
    services: servicesOfCeremony(removed, added),
    actor: request.actor,
    reason: request.reason,
    removed,
    ...(change.kind === 'forget' ? {} : { added }),
  }
  const seq = (current?.seq ?? 0) + 1
  const record = { account: pending.account, seq, audit: (current?.audit ?? 0) + 1, commitments }
  return { record, audit }
}
