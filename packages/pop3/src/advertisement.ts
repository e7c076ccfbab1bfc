// What the server advertises about itself in its post-TLS CAPA: a DEEP status (DEEP -04 §7.2, CAPA
// tag `DEEP`) and a -05 policy (CAPA tag `STS`, -05 §9.2 / §13.7). Callers pass only what was read
// over TLS; the pre-TLS CAPA is the attacker's and is never handed to this module. Malformed values
// are ignored, never fatal (DEEP -04 §5.3: do not latch from a bad status, do not fail the session).
import { type DeepStatus, parseDeepStatus, parseStsCapability, type StsPolicy } from '@mua-sts/core'

export type CapaAdvertisement = { deep?: DeepStatus; sts?: StsPolicy }

/**
 * Parses the advertisement out of the post-TLS CAPA. Pure; undefined when there is none.
 * @param deepStatusAfterTls the raw text after `DEEP ` in the post-TLS CAPA (`''` for a bare `DEEP`).
 * @param capsAfterTls the post-TLS capability lines, for the -05 `STS` line.
 */
export function advertisementFromCapa(
  deepStatusAfterTls: string | undefined,
  capsAfterTls: readonly string[],
): CapaAdvertisement | undefined {
  const out: CapaAdvertisement = {}
  if (deepStatusAfterTls !== undefined) {
    const deep = parseDeepStatus(deepStatusAfterTls)
    if (deep.ok) {
      const { tags, url } = deep.value
      out.deep = url === undefined ? { tags: [...tags] } : { tags: [...tags], url }
    }
  }
  const sts = parseStsCapability(capsAfterTls)
  if (sts?.ok === true) {
    const { ignored: _ignored, ...policy } = sts.value
    out.sts = policy
  }
  return out.deep === undefined && out.sts === undefined ? undefined : out
}
