// What the demo's protocol modules share: the attack list, the servers' view of the wire, and the
// guarded-connection context.

import type { LookupFunction } from 'node:net'
import type { CommitmentStore, Service } from '@mua-sts/core'
import type { ReportDispatcher } from '@mua-sts/reports'
import type { Pki } from '@mua-sts/testing'

export const ATTACKS = [
  { id: 'starttls-stripping', label: 'STARTTLS stripping', account: 'bob' },
  { id: 'starttls-injection', label: 'bytes injected after STARTTLS', account: 'bob' },
  { id: 'preauth', label: 'PREAUTH before TLS', account: 'bob' },
  { id: 'tls-downgrade', label: 'TLS 1.1 downgrade', account: 'alice' },
  { id: 'other-ca', label: 'certificate from another CA', account: 'alice' },
  { id: 'implicit-to-starttls', label: 'implicit TLS → STARTTLS', account: 'alice' },
  { id: 'rekeyed-pinned', label: 're-keyed server (SPKI pinned)', account: 'alice' },
] as const
export type AttackId = (typeof ATTACKS)[number]['id']

/** A server as the demo sees it: where it listens and what reached it. */
export type DemoServer = {
  readonly port: number
  /** True if any credential command (LOGIN, AUTH, USER, PASS …) reached this server. */
  credentialsSeen(): boolean
  /** In-band report lines the client sent (IMAP ID / SMTP CLIENT), verbatim. */
  inBandLines(): string[]
  close(): Promise<void>
}

export type GuardContext = {
  readonly account: string
  readonly store: CommitmentStore
  readonly reports: ReportDispatcher
  readonly trust: { ca: string; lookup: LookupFunction }
  /** In-band mode for the attacks (issue #14); the honest connections use the default. */
  readonly inBand?: 'authenticated-only' | 'spec' | 'never'
}

export const DEMO_USER = 'alice@example.test'
export const DEMO_PASS = 'demo-password-5c1e'
export const DEEP_STATUS = 'tls12 tls-cert <https://status.example.test/mail>'
export const MESSAGE =
  'From: bob@example.test\r\nTo: alice@example.test\r\nSubject: Welcome to mua-sts\r\n\r\nHello Alice.\r\n'

/** One protocol's part in the demo. */
export type ProtocolDemo = {
  readonly service: Service
  readonly label: string
  /** Honest servers for both transports (the relays in front of them are what accounts pin). */
  startHonest(pki: Pki, transport: 'implicit-tls' | 'starttls'): Promise<DemoServer>
  /** An attacker's server for `attack`, or undefined where the attack does not apply to the protocol. */
  startAttacker(pki: Pki, attack: AttackId): Promise<DemoServer> | undefined
  /** Connects through the guard and does the protocol's everyday job; returns a one-line summary. */
  use(ctx: GuardContext): Promise<string>
}

// TLS 1.1 needs OpenSSL security level 0 on the attacker's side (RFC 8996 deprecated it).
export const TLS11_ONLY = {
  minVersion: 'TLSv1.1',
  maxVersion: 'TLSv1.1',
  ciphers: 'DEFAULT@SECLEVEL=0',
} as const
