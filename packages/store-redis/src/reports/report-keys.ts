// Keys of the report stream. One hash tag for all of them, so the stream, the dead-letter stream and
// the delivered-id markers share a slot and one pipeline may touch them on Redis Cluster.
import * as z from 'zod'
import { RedisConnectionSchema } from '../client/connection.js'
import { PREFIX_RE } from '../record/keys.js'

/** The Redis keys of a namespace's report stream. */
export type ReportKeys = { readonly stream: string; readonly dead: string; done(reportId: string): string }

/** The keys of the report stream of namespace `prefix`. */
export function reportKeys(prefix: string): ReportKeys {
  const tag = `${prefix}:{reports}`
  return { stream: `${tag}:stream`, dead: `${tag}:dead`, done: (id) => `${tag}:done:${id}` }
}

/** Options shared by the stream (sink/export) and the delivery worker. */
export const ReportStreamShape = {
  connection: RedisConnectionSchema,
  prefix: z.string().regex(PREFIX_RE, 'expected [A-Za-z0-9._-]{1,64}').default('muasts'),
}
