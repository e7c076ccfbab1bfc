// The one `trust` shape every connection-making entry point takes (guards, probe(), setup's document
// fetcher, the CLI): extra trust anchors and a name resolver. Anchors are checked when the options are
// parsed, not at the first handshake: a config typo (a file name, a private key, random text) would
// otherwise make every connection fail certificate validation and be reported as an attack (#16).
import { X509Certificate } from 'node:crypto'
import type { LookupFunction } from 'node:net'
import * as z from 'zod'

// A full Mozilla root bundle is about 220 kB; anything far larger is not a trust anchor list.
const MAX_CA_CHARS = 4_000_000
const MAX_CA_ENTRIES = 64
const CERT_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g
// Only the label is ever quoted back, and only when it is plain upper-case text (never the content).
const ANY_BLOCK = /-----BEGIN ([A-Z0-9 ]{1,40})-----/g

/**
 * Why `pem` cannot serve as trust anchors, or undefined when every PEM block in it is a certificate that
 * parses and can anchor a chain. Pure apart from parsing; the text is never quoted in the answer.
 */
export function caProblem(pem: string): string | undefined {
  const labels = [...pem.matchAll(ANY_BLOCK)].map((m) => m[1] as string)
  const foreign = labels.find((label) => label !== 'CERTIFICATE')
  if (foreign !== undefined)
    return `holds a "${foreign}" PEM block; trust anchors are certificates only (-----BEGIN CERTIFICATE-----)`
  const blocks = pem.match(CERT_BLOCK) ?? []
  if (blocks.length === 0) return 'holds no PEM certificate (expected -----BEGIN CERTIFICATE----- blocks)'
  for (const [i, block] of blocks.entries()) {
    const which = blocks.length === 1 ? 'the certificate' : `certificate ${i + 1} of ${blocks.length}`
    let cert: X509Certificate
    try {
      cert = new X509Certificate(block)
    } catch (error) {
      const code = (error as { code?: unknown }).code
      return `${which} does not parse as X.509${typeof code === 'string' ? ` (${code})` : ''}`
    }
    // OpenSSL (without partial-chain mode, which Node does not set) only anchors a chain at a CA
    // certificate or at a self-signed one (RFC 5280 §6.1: the trust anchor is the path's start).
    if (!cert.ca && !cert.checkIssued(cert))
      return `${which} is neither a CA certificate (RFC 5280 §4.2.1.9) nor self-signed, so it cannot anchor a chain`
  }
  return undefined
}

// One check per distinct PEM text per process: guards parse their options on every connect, and a
// system-sized bundle takes milliseconds to parse (a benchmark measures connect cost). Bounded FIFO.
const MAX_CACHED = 64
const checked = new Map<string, string | undefined>()

function cachedCaProblem(pem: string): string | undefined {
  if (checked.has(pem)) return checked.get(pem)
  const problem = caProblem(pem)
  checked.set(pem, problem)
  if (checked.size > MAX_CACHED) checked.delete(checked.keys().next().value as string)
  return problem
}

const PemSchema = z.string().max(MAX_CA_CHARS, `expected at most ${MAX_CA_CHARS} characters of PEM`)

/** `ca`: one PEM text or a list of them; every entry must hold certificates that can anchor a chain. */
export const TrustAnchorsSchema = z
  .union([PemSchema, z.array(PemSchema).min(1).max(MAX_CA_ENTRIES).readonly()])
  .superRefine((value, ctx) => {
    const entries = typeof value === 'string' ? [value] : value
    for (const [i, pem] of entries.entries()) {
      const problem = cachedCaProblem(pem)
      if (problem !== undefined)
        ctx.addIssue({ code: 'custom', path: typeof value === 'string' ? [] : [i], message: problem })
    }
  })

export const LookupSchema = z.custom<LookupFunction>(
  (v) => typeof v === 'function',
  'expected a dns.lookup-compatible function',
)

export const TrustOptionsSchema = z.strictObject({
  /**
   * Extra trust anchors (PEM): one text or a list. When set, they replace Node's bundled roots, as
   * Node's `ca` does. Each entry must hold only certificates, each a CA or self-signed.
   */
  ca: TrustAnchorsSchema.optional(),
  /**
   * Name resolution for the connection (a `dns.lookup`-compatible function), e.g. a test resolver or
   * an app's DNS-over-HTTPS resolver. It only decides where to dial: the certificate is still checked
   * against the committed host name (RFC 7817), so a wrong answer fails closed.
   */
  lookup: LookupSchema.optional(),
})

/** What every entry point accepts as `trust` (`{ ca?, lookup? }`). */
export type TrustOptions = z.input<typeof TrustOptionsSchema>
