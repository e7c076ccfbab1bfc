// What an EHLO reply says (RFC 5321 §4.1.1.1): the first line greets, each further line is one
// extension keyword with its parameters. Pure. Callers decide which reply they may trust: the
// pre-TLS one only for "is STARTTLS offered", the post-TLS one for everything else (RFC 3207 §4.2).
import {
  type DeepStatus,
  hasCapability,
  parseDeepCapability,
  parseStsCapability,
  type StsPolicy,
} from '@mua-sts/core'
import type { Reply } from './reply.js'

/** Extension lines of a positive EHLO reply; undefined when EHLO was refused (not 250). */
export function ehloCapabilities(reply: Reply): string[] | undefined {
  if (reply.code !== 250) return undefined
  return reply.lines
    .slice(1)
    .map((l) => l.trim())
    .filter((l) => l.length > 0)
}

/** RFC 3207 §4: the server lists STARTTLS in its EHLO reply when it offers the upgrade. */
export function offersStartTls(caps: readonly string[]): boolean {
  return hasCapability(caps, 'STARTTLS')
}

/**
 * SASL mechanisms from `AUTH mech …` (RFC 4954 §3), upper-cased, in server order. The pre-RFC form
 * `AUTH=mech …` that some servers still send is read too.
 */
export function authMechanisms(caps: readonly string[]): string[] {
  const out: string[] = []
  for (const line of caps) {
    const m = /^AUTH[ =](.*)$/i.exec(line)
    if (m === null) continue
    for (const mech of (m[1] ?? '').split(/[ =]+/)) {
      const name = mech.toUpperCase()
      if (/^[A-Z0-9_-]{1,20}$/.test(name) && !out.includes(name)) out.push(name)
    }
  }
  return out
}

export type Advertisement = { deep?: DeepStatus; sts?: StsPolicy }

/**
 * DEEP -04 §7.3 `DEEP <status>` and -05 §9.3 `MSTS <policy>` from a post-TLS EHLO. Malformed values are
 * ignored (never fatal, DEEP -04 §5.3). The parsers' `ignored` lists are dropped: they are diagnostics,
 * not part of the Observation schema.
 */
export function advertisementOf(capsAfterTls: readonly string[]): Advertisement | undefined {
  const out: Advertisement = {}
  const deep = parseDeepCapability(capsAfterTls)
  if (deep?.ok === true) {
    out.deep = {
      tags: [...deep.value.tags],
      ...(deep.value.url === undefined ? {} : { url: deep.value.url }),
    }
  }
  const sts = parseStsCapability(capsAfterTls)
  if (sts?.ok === true) {
    const { ignored: _ignored, ...policy } = sts.value
    out.sts = policy
  }
  return out.deep === undefined && out.sts === undefined ? undefined : out
}

/** Which CLIENT dialect the server speaks: -05 `MSTS` wins over -04 `DEEP` (digest §4.5, §5.1). */
export function clientDialect(capsAfterTls: readonly string[]): '04' | '05' | undefined {
  if (hasCapability(capsAfterTls, 'MSTS')) return '05'
  if (hasCapability(capsAfterTls, 'DEEP')) return '04'
  return undefined
}
