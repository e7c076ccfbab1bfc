// Key layout. Every key of one account carries the account in a hash tag (`{…}`), so the record and its
// audit stream live in one hash slot and the compare-and-set script may touch both on Redis Cluster
// (Redis Cluster spec, "Hash tags"). Account refs are [A-Za-z0-9._:-] (core AccountRefSchema): no
// braces, no glob characters, so a ref can sit in a tag and in a SCAN pattern unescaped.
import type { AccountRef } from '@mua-sts/core'

/** The namespace (`prefix`) of a store: keys are `<prefix>:{<account>}:rec` and `…:audit`. */
export const PREFIX_RE = /^[A-Za-z0-9._-]{1,64}$/

/** The Redis keys of one account. */
export type AccountKeys = { readonly record: string; readonly audit: string }

/** The keys of one account. */
export function accountKeys(prefix: string, account: AccountRef): AccountKeys {
  return { record: `${prefix}:{${account}}:rec`, audit: `${prefix}:{${account}}:audit` }
}

/** SCAN pattern matching every record key of the namespace. */
export function recordPattern(prefix: string): string {
  return `${prefix}:{*}:rec`
}

/** The account named by a record key, or undefined if the key is not one of ours. */
export function accountOfRecordKey(prefix: string, key: string): string | undefined {
  const head = `${prefix}:{`
  if (!key.startsWith(head) || !key.endsWith('}:rec')) return undefined
  return key.slice(head.length, -'}:rec'.length)
}
