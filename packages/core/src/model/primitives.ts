// Small shared value schemas. No transforms: stored and reported data must round-trip as JSON and be
// representable in the exported JSON Schema, so canonicalisation happens in constructors, not in schemas.
import * as z from 'zod'

export const SERVICES = ['imap', 'pop3', 'submission'] as const
export const ServiceSchema = z.enum(SERVICES)
export type Service = z.infer<typeof ServiceSchema>

/** Ordered weakest → strongest. RFC 8314 §3: implicit TLS is preferred over STARTTLS. */
export const TRANSPORTS = ['starttls', 'implicit-tls'] as const
export const TransportSchema = z.enum(TRANSPORTS)
export type Transport = z.infer<typeof TransportSchema>
/** What a live connection actually used; 'plaintext' is only ever observed, never committed. */
export const ObservedTransportSchema = z.enum(['plaintext', 'starttls', 'implicit-tls'])
export type ObservedTransport = z.infer<typeof ObservedTransportSchema>

/** RFC 8997 raised the floor to TLS 1.2; nothing lower can ever be committed. */
export const TLS_FLOORS = ['TLSv1.2', 'TLSv1.3'] as const
export const TlsFloorSchema = z.enum(TLS_FLOORS)
export type TlsFloor = z.infer<typeof TlsFloorSchema>

// A Map, not an object literal: 'toString' or 'constructor' must not rank as a function, which compares
// as neither below nor above the floor (fail open). Found by mutation testing (issue #16 item 8).
const TLS_RANK: ReadonlyMap<string | undefined, number> = new Map([
  ['SSLv2', 0],
  ['SSLv3', 1],
  ['TLSv1', 2],
  ['TLSv1.1', 3],
  ['TLSv1.2', 4],
  ['TLSv1.3', 5],
])
/** Rank of a TLS version string as Node's `getProtocol()` reports it; unknown → -1 (below everything). */
export function tlsRank(version: string | undefined): number {
  return TLS_RANK.get(version) ?? -1
}

// Lower-case LDH hostname (RFC 1123) or an IPv4 literal; canonical form only (see canonicalHost).
const HOST_RE =
  /^(?:(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(?:\.(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?))*|(?:\d{1,3}\.){3}\d{1,3})$/
export const HostSchema = z
  .string()
  .min(1)
  .max(253)
  .regex(HOST_RE, 'expected a lower-case hostname without trailing dot')
export const PortSchema = z.number().int().min(1).max(65535)

/** Lower-cases and strips one trailing dot; DNS names compare case-insensitively (RFC 4343). */
export function canonicalHost(host: string): string {
  const h = host.trim().toLowerCase()
  return h.endsWith('.') ? h.slice(0, -1) : h
}

/** Opaque account reference: never a username or address (reports must not carry identities). */
export const AccountRefSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9._:-]+$/, 'expected an opaque account reference ([A-Za-z0-9._:-])')
export type AccountRef = z.infer<typeof AccountRefSchema>

/** base64 SHA-256 of a DER SubjectPublicKeyInfo (the RFC 7469 pin format). */
export const SpkiSchema = z.string().regex(/^[A-Za-z0-9+/]{43}=$/, 'expected a base64 SHA-256 SPKI hash')

/** ISO-8601 UTC instant as produced by Date#toISOString; lexical order equals time order. */
export const ISO_TIME_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/
export const IsoTimeSchema = z
  .string()
  .regex(ISO_TIME_PATTERN, 'expected an ISO-8601 UTC timestamp (toISOString)')
export type IsoTime = z.infer<typeof IsoTimeSchema>

/** DEEP -04 §3.4 / -05 §13.2: only https status URLs are accepted. */
export const HttpsUrlSchema = z
  .string()
  .max(2048)
  .regex(/^https:\/\/[^\s<>"]+$/, 'expected an https URL')
