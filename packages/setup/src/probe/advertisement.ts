// DEEP -04 status and -05 STS policy as the probe reads them over TLS. Malformed values are ignored,
// never fatal (DEEP -04 §5.3); the parsers' `ignored` diagnostics are dropped because the
// Observation schema has no place for them.
import {
  deepStatusFromId,
  type IdFields,
  type ParsedDeepStatus,
  type ParsedStsPolicy,
  type ParseResult,
  parseDeepCapability,
  parseDeepStatus,
  parseStsCapability,
  parseStsPolicy,
  stsPolicyFromId,
} from '@mua-sts/core'
import type { Advertisement } from './dialog.js'

function combine(
  deep: ParseResult<ParsedDeepStatus> | undefined,
  sts: ParseResult<ParsedStsPolicy> | undefined,
): Advertisement | undefined {
  const out: Advertisement = {}
  if (deep?.ok === true) {
    const { tags, url } = deep.value
    out.deep = url === undefined ? { tags: [...tags] } : { tags: [...tags], url }
  }
  if (sts?.ok === true) {
    const { ignored: _ignored, ...policy } = sts.value
    out.sts = policy
  }
  return out.deep === undefined && out.sts === undefined ? undefined : out
}

/** POP3 CAPA `DEEP …` / `STS …` (DEEP -04 §7.2, -05 §9.2) or SMTP EHLO `DEEP …` / `MSTS …` (§7.3, §9.3). */
export function advertisementFromCaps(capsAfterTls: readonly string[]): Advertisement | undefined {
  return combine(parseDeepCapability(capsAfterTls), parseStsCapability(capsAfterTls))
}

/** IMAP `* ID` fields `deep` / `sts` (DEEP -04 §7.1, -05 §9.1). */
export function advertisementFromId(fields: IdFields): Advertisement | undefined {
  const deep = deepStatusFromId(fields)
  const sts = stsPolicyFromId(fields)
  return combine(
    deep === undefined ? undefined : parseDeepStatus(deep),
    sts === undefined ? undefined : parseStsPolicy(sts),
  )
}
