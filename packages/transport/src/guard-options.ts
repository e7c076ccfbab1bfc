// Options every guarded client shares, validated eagerly (house style H15).

import type { LookupFunction } from 'node:net'
import { AccountRefSchema, CommitmentStoreSchema } from '@mua-sts/core'
import type { ReportDispatcher } from '@mua-sts/reports'
import * as z from 'zod'

const StoreShape = CommitmentStoreSchema
const DispatcherShape = z.custom<ReportDispatcher>(
  (v) => typeof v === 'object' && v !== null && typeof (v as ReportDispatcher).dispatch === 'function',
  'expected a ReportDispatcher',
)

export const GuardOptionsSchema = z.strictObject({
  /** Opaque account reference (never the username). */
  account: AccountRefSchema,
  store: StoreShape,
  reports: DispatcherShape.optional(),
  /** Name/version sent in CLIENT and ID; null switches them off for privacy (DEEP -04 §12). */
  client: z
    .strictObject({ name: z.string().min(1).max(64), version: z.string().min(1).max(32) })
    .nullable()
    .optional(),
  /** Extra trust anchors (PEM), e.g. an enterprise root or the tests' CA. */
  trust: z
    .strictObject({
      ca: z.union([z.string(), z.array(z.string())]).optional(),
      /** dns.lookup-compatible resolver used to dial the committed host (see TrustOptions.lookup). */
      lookup: z
        .custom<LookupFunction>((v) => typeof v === 'function', 'expected a dns.lookup-compatible function')
        .optional(),
    })
    .optional(),
  /** Clock and id seams for tests (house style H20). */
  now: z.custom<() => Date>((v) => typeof v === 'function').optional(),
  newReportId: z.custom<() => string>((v) => typeof v === 'function').optional(),
  /** Per-step network timeout in milliseconds. */
  timeoutMs: z.number().int().min(100).max(600_000).optional(),
})
export type GuardOptions = z.infer<typeof GuardOptionsSchema>
