// Options of RedisCommitmentStore, validated eagerly (house style H15).
import { parseOptions } from '@mua-sts/core'
import * as z from 'zod'
import { RedisConnectionSchema } from './client/connection.js'
import { HighWaterHookSchema } from './record/high-water.js'
import { PREFIX_RE } from './record/keys.js'

/** Options of RedisCommitmentStore (zod; parsed by the constructor). */
export const RedisStoreOptionsSchema = z.strictObject({
  /** Where Redis is. */
  connection: RedisConnectionSchema,
  /**
   * The HMAC-SHA256 key every record and audit entry is sealed with: 32–64 random bytes from the
   * service's secret manager. Never written to Redis. Every worker of the fleet uses the same key.
   */
  hmacKey: z
    .custom<Uint8Array>((v) => v instanceof Uint8Array, 'expected a Uint8Array')
    .refine((k) => k.length >= 32 && k.length <= 64, 'expected 32–64 bytes'),
  /** Key namespace; one fleet's stores must not share it with another's. */
  prefix: z.string().regex(PREFIX_RE, 'expected [A-Za-z0-9._-]{1,64}').default('muasts'),
  /** Compare-and-set attempts per write before MUASTS_ERR_STORE_CONTENDED. */
  maxAttempts: z.number().int().min(1).max(1000).default(50),
  /** After each write, wait until this many replicas acknowledged it (Redis WAIT), else MUASTS_ERR_STORE_IO. */
  durability: z
    .strictObject({
      replicas: z.number().int().min(0).max(16),
      timeoutMs: z.number().int().min(1).max(60_000).default(1000),
    })
    .default({ replicas: 0, timeoutMs: 1000 }),
  /** External anti-rollback anchor (see HighWaterHook). */
  highWater: HighWaterHookSchema.optional(),
  /** Clock for audit records. */
  now: z.custom<() => Date>((v) => typeof v === 'function', 'expected a function').optional(),
})
/** Input options of RedisCommitmentStore. */
export type RedisStoreOptions = z.input<typeof RedisStoreOptionsSchema>
/** Options after defaults. */
export type ResolvedStoreOptions = z.output<typeof RedisStoreOptionsSchema>

/** Parses or throws MUASTS_ERR_INVALID_OPTION naming the option path. */
export function resolveStoreOptions(input: unknown): ResolvedStoreOptions {
  return parseOptions(RedisStoreOptionsSchema, input, 'RedisCommitmentStore')
}
