// probe() options, validated eagerly (house style H15): a bad option is a thrown
// MUASTS_ERR_INVALID_OPTION naming its path, before any socket is opened.
import type { LookupFunction } from 'node:net'
import { parseOptions } from '@mua-sts/core'
import { z } from 'zod'
import type { ProbeEvent } from './result.js'

const fn = <T>() => z.custom<T>((v) => typeof v === 'function', 'expected a function')

export const ProbeOptionsSchema = z.strictObject({
  /** Cancels every probe (sockets are destroyed); probe() then rejects with MUASTS_ERR_ABORTED. */
  signal: z.instanceof(AbortSignal).optional(),
  /** Probes in flight at once. Default 8. */
  concurrency: z.int().min(1).max(64).default(8),
  /** Deadline for one probe (connect, TLS and dialog together), in ms. Default 10000. */
  timeoutMs: z.int().min(100).max(600_000).default(10_000),
  /** Extra trust anchors (PEM) replacing the bundled roots, as for the guards. */
  trust: z.strictObject({ ca: z.union([z.string(), z.array(z.string())]).optional() }).default({}),
  /** Called synchronously for every progress event; a listener that throws is ignored. */
  onProgress: fn<(event: ProbeEvent) => void>().optional(),
  /** Host name resolution for the TCP connection (default: the system's); certificate checks still use the candidate's host. */
  lookup: fn<LookupFunction>().optional(),
  /** Stop probing a service once nothing still running can beat what is in. Default true. */
  earlyStop: z.boolean().default(true),
  /** Clock seam (house style H20); only stamps the provisional commitments. */
  now: fn<() => Date>().optional(),
})

export type ProbeOptions = z.input<typeof ProbeOptionsSchema>
export type ParsedProbeOptions = z.output<typeof ProbeOptionsSchema>

/** Validates options. Does no I/O. Throws MUASTS_ERR_INVALID_OPTION naming the first bad path. */
export function parseProbeOptions(input: unknown): ParsedProbeOptions {
  return parseOptions(ProbeOptionsSchema, input ?? {}, 'probe')
}
