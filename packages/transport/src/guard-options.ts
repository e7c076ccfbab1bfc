// Options every guarded client shares, validated eagerly (house style H15).

import {
  AccountRefSchema,
  CommitmentStoreSchema,
  ErrorCode,
  InBandModeSchema,
  parseOptions,
  SdkError,
} from '@mua-sts/core'
import { ValidatingResolverSchema } from '@mua-sts/dane'
import type { ReportDispatcher } from '@mua-sts/reports'
import * as z from 'zod'
import { TrustOptionsSchema } from './trust-options.js'

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
  /**
   * When a refused connection tells the server why (DEEP -04 §7.1 `latch-fail`, -05 §9.1 `policy-fail`):
   * `'authenticated-only'` (default) only to a server whose certificate (or DANE) authenticated it;
   * `'spec'` whenever a TLS session is up, as the drafts do; `'never'`. Trade-offs: docs/security-model.md.
   */
  inBand: InBandModeSchema.optional(),
  /** Extra trust anchors (PEM, checked now) and a dial-only resolver: the one TrustOptions shape. */
  trust: TrustOptionsSchema.optional(),
  /**
   * A DNSSEC-validating resolver on this machine (@mua-sts/dane): `{ address: '127.0.0.1:53' }`. With
   * it, every connection looks up TLSA records and its observation carries the DANE outcome; without
   * it, no DANE check runs and a commitment that requires DANE is refused. Loopback only.
   */
  dane: ValidatingResolverSchema.optional(),
  /** Clock and id seams for tests (house style H20). */
  now: z.custom<() => Date>((v) => typeof v === 'function').optional(),
  newReportId: z.custom<() => string>((v) => typeof v === 'function').optional(),
  /**
   * Hard deadline in milliseconds for the whole connect, from TCP connect to the first authenticated
   * command (greeting, capabilities, STARTTLS, handshake, check, ID/CLIENT, login). Default 30 000.
   */
  timeoutMs: z.number().int().min(100).max(600_000).optional(),
  /** Idle timeout in milliseconds after login (no server data for this long closes the session). Default 300 000. */
  idleTimeoutMs: z.number().int().min(1000).max(86_400_000).optional(),
  /**
   * Cancels the connect (issue #16): aborting destroys the socket at once, in any phase up to the end
   * of login, and rejects with MUASTS_ERR_ABORTED (`details.phase`); already aborted rejects before any
   * socket. The listener is removed when the connect settles, so one signal may serve many connects.
   * Duck-typed rather than `instanceof`, so an AbortSignal from another realm or a polyfill also works.
   */
  signal: z
    .custom<AbortSignal>(
      (v) =>
        typeof v === 'object' &&
        v !== null &&
        typeof (v as AbortSignal).aborted === 'boolean' &&
        typeof (v as AbortSignal).addEventListener === 'function' &&
        typeof (v as AbortSignal).removeEventListener === 'function',
      'expected an AbortSignal',
    )
    .optional(),
})
export type GuardOptions = z.infer<typeof GuardOptionsSchema>

// ─── Options an adapter already parsed (issue #17) ──────────────────────────────────────────────
// Each guarded connect parses the adapter's options, whose schema extends GuardOptionsSchema; the
// Guard parsing its own part again cost a measurable share of a small POP3 session. Only objects this
// module saw come out of such a parse are accepted as already valid, and what the Guard then gets is
// the snapshot taken at that parse, its parsed data frozen: a caller that hands `new Guard` anything
// else, or changes the parsed object afterwards, gets the full validation or the values that passed it.

const snapshots = new WeakMap<object, GuardOptions>()
const extensions = new WeakSet<object>()
const GUARD_KEYS = Object.keys(GuardOptionsSchema.shape) as (keyof GuardOptions)[]
// The fields whose value is plain data zod built (not one of the app's own objects or functions).
const PARSED_DATA: ReadonlySet<string> = new Set(['trust', 'client', 'dane'])

/** Throws unless `schema` holds every GuardOptionsSchema field with the very same member schema. */
function assertExtendsGuard(schema: z.ZodObject): void {
  if (extensions.has(schema)) return
  const shape = schema.shape as Record<string, unknown>
  for (const key of GUARD_KEYS) {
    if (shape[key] !== GuardOptionsSchema.shape[key])
      throw new SdkError(
        ErrorCode.Internal,
        `adapter options schema does not extend GuardOptionsSchema (${key})`,
      )
  }
  extensions.add(schema)
}

function freezeData<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value
  for (const v of Object.values(value)) if (Array.isArray(v)) Object.freeze(v)
  return Object.freeze(value)
}

/**
 * Parses an adapter's options with `schema` (which must extend GuardOptionsSchema) and keeps a snapshot
 * of its Guard fields for {@link guardOptionsFromParsed}. Does no I/O.
 * @throws SdkError MUASTS_ERR_INVALID_OPTION as parseOptions does.
 */
export function parseAdapterOptions<S extends z.ZodObject>(
  schema: S,
  input: unknown,
  what: string,
): z.output<S> {
  assertExtendsGuard(schema)
  const parsed = parseOptions(schema, input, what) as Record<string, unknown>
  const guard: Record<string, unknown> = {}
  for (const key of GUARD_KEYS) {
    const value = parsed[key]
    if (value !== undefined) guard[key] = PARSED_DATA.has(key) ? freezeData(value) : value
  }
  snapshots.set(parsed, Object.freeze(guard) as GuardOptions)
  return parsed as z.output<S>
}

/**
 * The Guard fields of options that {@link parseAdapterOptions} produced, as they were when it validated
 * them, or undefined for anything else, which must then be validated. Pure.
 */
export function guardOptionsFromParsed(options: unknown): GuardOptions | undefined {
  if (typeof options !== 'object' || options === null) return undefined
  return snapshots.get(options)
}
