// The server's DEEP status (-04 §7.1: ID field `deep`, or `deep-status` as in -04's examples) and its
// -05 STS policy (`sts` / `sts-policy`) from imapflow's `serverInfo`, i.e. the post-TLS ID response.
// Server data: every value is checked for type and parsed by core's grammar; anything malformed is
// ignored (DEEP -04 §5.3: never fail a session because of a bad status, just do not latch from it).
import {
  type DeepStatus,
  deepStatusFromId,
  type IdFields,
  parseDeepStatus,
  parseStsPolicy,
  type StsPolicy,
  stsPolicyFromId,
} from '@mua-sts/core'

export type ServerAdvertisement = { deep?: DeepStatus; sts?: StsPolicy }

/** Only own string-valued fields, with lower-cased names (RFC 2971 field names are case-insensitive). */
function stringFields(info: unknown): IdFields {
  const out: Record<string, string> = {}
  if (typeof info !== 'object' || info === null) return out
  for (const [k, v] of Object.entries(info)) if (typeof v === 'string') out[k.toLowerCase()] = v
  return out
}

/** Parses the advertisement out of an ID response map. Pure; undefined when there is none. */
export function advertisementFromServerInfo(info: unknown): ServerAdvertisement | undefined {
  const fields = stringFields(info)
  const out: ServerAdvertisement = {}
  const deepRaw = deepStatusFromId(fields)
  if (deepRaw !== undefined) {
    const deep = parseDeepStatus(deepRaw)
    if (deep.ok)
      out.deep =
        deep.value.url === undefined
          ? { tags: [...deep.value.tags] }
          : { tags: [...deep.value.tags], url: deep.value.url }
  }
  const stsRaw = stsPolicyFromId(fields)
  if (stsRaw !== undefined) {
    const sts = parseStsPolicy(stsRaw)
    if (sts.ok) {
      const { ignored: _ignored, ...policy } = sts.value
      out.sts = policy
    }
  }
  return out.deep === undefined && out.sts === undefined ? undefined : out
}
