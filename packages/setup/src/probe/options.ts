// probe() options, validated eagerly (house style H15): a bad option is a thrown
// MUASTS_ERR_INVALID_OPTION naming its path, before any socket is opened.
import { parseOptions } from '@mua-sts/core'
import { ValidatingResolverSchema } from '@mua-sts/dane'
import { LookupSchema, TrustOptionsSchema } from '@mua-sts/transport'
import { z } from 'zod'
import type { ProbeEvent } from './result.js'

const fn = <T>() => z.custom<T>((v) => typeof v === 'function', 'expected a function')

export const ProbeOptionsSchema = z
  .strictObject({
    /** Cancels every probe (sockets are destroyed); probe() then rejects with MUASTS_ERR_ABORTED. */
    signal: z.instanceof(AbortSignal).optional(),
    /**
     * Probes in flight at once. Default 16: a discovery yields about 12 candidates (3 services × 2
     * transports × 2 hosts), and with fewer slots than candidates the last wave starts only when the
     * first ends, so setup would take two probe times instead of one (issue #17: 1.98× at 8). Each slot
     * is one socket, so 16 stays far below any per-host connection limit.
     */
    concurrency: z.int().min(1).max(64).default(16),
    /** Deadline for one probe (connect, TLS and dialog together), in ms. Default 10000. */
    timeoutMs: z.int().min(100).max(600_000).default(10_000),
    /**
     * The guards' TrustOptions: `ca` (PEM anchors replacing the bundled roots, checked now) and `lookup`
     * (where to dial; certificate checks still use the candidate's host).
     */
    trust: TrustOptionsSchema.default({}),
    /** Called synchronously for every progress event; a listener that throws is ignored. */
    onProgress: fn<(event: ProbeEvent) => void>().optional(),
    /** Deprecated spelling of `trust.lookup`, kept for existing callers; give one or the other. */
    lookup: LookupSchema.optional(),
    /** Stop probing a service once nothing still running can beat what is in. Default true. */
    earlyStop: z.boolean().default(true),
    /**
     * A DNSSEC-validating resolver on this machine (loopback only), as the guards' `dane` option. With it,
     * each candidate's TLSA records are looked up while it is dialled, and a compliant result whose
     * records validate is labelled DANE-validated (`observation.dane.status === 'valid'`).
     */
    dane: ValidatingResolverSchema.optional(),
    /** Clock seam (house style H20); only stamps the provisional commitments. */
    now: fn<() => Date>().optional(),
  })
  .superRefine((value, ctx) => {
    if (value.lookup !== undefined && value.trust.lookup !== undefined && value.lookup !== value.trust.lookup)
      ctx.addIssue({ code: 'custom', path: ['lookup'], message: 'give the resolver once, as trust.lookup' })
  })
  // One place for the resolver from here on: the probe reads trust.lookup only.
  .transform(({ lookup, ...rest }) =>
    lookup === undefined || rest.trust.lookup !== undefined
      ? rest
      : { ...rest, trust: { ...rest.trust, lookup } },
  )

export type ProbeOptions = z.input<typeof ProbeOptionsSchema>
export type ParsedProbeOptions = z.output<typeof ProbeOptionsSchema>

/** Validates options. Does no I/O. Throws MUASTS_ERR_INVALID_OPTION naming the first bad path. */
export function parseProbeOptions(input: unknown): ParsedProbeOptions {
  return parseOptions(ProbeOptionsSchema, input ?? {}, 'probe')
}
