// HttpsDelivery options, validated eagerly (house style H15): the collector URL, its trust (CA, SPKI pins),
// batching and retry limits, and the timer/jitter seams for tests (house style H20).
import { SpkiSchema } from '@mua-sts/core'
import * as z from 'zod'
import { MAX_RECORD_BYTES } from '../outbox/frame.js'
import type { JsonlOutbox } from '../outbox/jsonl-outbox.js'

/** Timer functions (injectable for tests, house style H20). */
export type DeliveryTimers = {
  setTimeout(callback: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

const RESERVED_HEADERS = ['content-type', 'content-length', 'idempotency-key', 'host', 'transfer-encoding']
const HeaderNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9-]{1,64}$/)
  .refine((h) => !RESERVED_HEADERS.includes(h.toLowerCase()), 'this header is set by the SDK')
const EndpointSchema = z
  .string()
  .max(2048)
  .refine((s) => URL.canParse(s) && new URL(s).protocol === 'https:', 'expected an https URL')
  // Credentials in a URL end up in logs and diagnostics; use `headers` instead.
  .refine((s) => !URL.canParse(s) || (new URL(s).username === '' && new URL(s).password === ''), {
    message: 'the URL must not contain credentials',
  })

/** Options of {@link HttpsDelivery}; see the README for each option's default. */
export const HttpsDeliveryOptionsSchema = z.strictObject({
  // Duck-typed rather than instanceof, so two copies of this package in one bundle still work together.
  outbox: z.custom<JsonlOutbox>(
    (v) =>
      typeof v === 'object' &&
      v !== null &&
      typeof (v as JsonlOutbox).dir === 'string' &&
      typeof (v as JsonlOutbox).id === 'string' &&
      typeof (v as JsonlOutbox).segments === 'function' &&
      typeof (v as JsonlOutbox).segmentPath === 'function',
    'expected a JsonlOutbox',
  ),
  /** Collector URL (https only). */
  endpoint: EndpointSchema,
  /** Trust anchors (PEM) replacing Node's bundled roots, as Node's `ca` does. */
  ca: z.union([z.string().min(1), z.array(z.string().min(1)).min(1).max(64)]).optional(),
  /** Accept the collector only if its leaf SPKI SHA-256 (base64) is one of these. */
  spkiPins: z.array(SpkiSchema).min(1).max(16).optional(),
  /** Default: `<outbox dir>/delivery-cursor.json`. */
  cursorPath: z.string().min(1).max(4096).optional(),
  maxBatchReports: z.number().int().min(1).max(10_000).optional(),
  maxBatchBytes: z
    .number()
    .int()
    .min(MAX_RECORD_BYTES)
    .max(64 * 1024 * 1024)
    .optional(),
  retry: z
    .strictObject({
      attempts: z.number().int().min(1).max(50).optional(),
      baseDelayMs: z.number().int().min(0).max(3_600_000).optional(),
      maxDelayMs: z.number().int().min(0).max(86_400_000).optional(),
    })
    .optional(),
  /** Pause between background flushes after start(). */
  intervalMs: z.number().int().min(1).max(86_400_000).optional(),
  /** Socket inactivity limit per request. */
  timeoutMs: z.number().int().min(1).max(600_000).optional(),
  /** Extra request headers, e.g. the collector's own Authorization. */
  headers: z.record(HeaderNameSchema, z.string().max(8192)).optional(),
  timers: z
    .custom<DeliveryTimers>(
      (v) =>
        typeof v === 'object' &&
        v !== null &&
        typeof (v as DeliveryTimers).setTimeout === 'function' &&
        typeof (v as DeliveryTimers).clearTimeout === 'function',
      'expected { setTimeout, clearTimeout }',
    )
    .optional(),
  /** Jitter source in [0, 1). */
  random: z.custom<() => number>((v) => typeof v === 'function', 'expected a function').optional(),
})
/** Input options of {@link HttpsDelivery}. */
export type HttpsDeliveryOptions = z.input<typeof HttpsDeliveryOptionsSchema>
