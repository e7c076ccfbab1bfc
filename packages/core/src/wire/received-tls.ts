// RFC 8314 §4.3 (from DEEP -04 §6) Received clauses: "tls" FWS tls-cipher [ CFWS "group" FWS dh-group ].
import { TLS_CIPHER_RE } from './esmtp-value.js'

export type ReceivedTls = { readonly cipher: string; readonly group?: string | undefined }
const GROUP_RE = /^[A-Za-z][A-Za-z0-9_-]*$/
const MAX_RECEIVED = 8192

/** Finds the tls/group clause in an (unfolded or folded) Received header value. Pure; never throws. */
export function parseReceivedTls(header: string): ReceivedTls | undefined {
  if (header.length > MAX_RECEIVED) return undefined
  const words = header.replace(/\([^()]*\)/g, ' ').split(/[\s;]+/)
  for (let i = 0; i < words.length - 1; i++) {
    if (words[i]?.toLowerCase() !== 'tls') continue
    const cipher = words[i + 1] as string
    if (!TLS_CIPHER_RE.test(cipher)) continue
    const group = words[i + 2]?.toLowerCase() === 'group' ? words[i + 3] : undefined
    return group !== undefined && GROUP_RE.test(group) ? { cipher, group } : { cipher }
  }
  return undefined
}

/** Renders the clause as a submission server would write it. */
export function renderReceivedTls(r: ReceivedTls): string {
  return r.group === undefined ? `tls ${r.cipher}` : `tls ${r.cipher} group ${r.group}`
}
