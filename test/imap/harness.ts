// @mua-sts/imap end-to-end test set-up: the shared guard harness bound to connectImap, IMAP wire
// assertions, and the bare-imapflow contrast an app would write without the SDK.
import type { Report, ViolationCode } from '@mua-sts/core'
import { connectImap, type GuardedImap, type ImapConnectOptions } from '@mua-sts/imap'
import { FAKE_PASS, FAKE_USER, type FakeImapServer } from '@mua-sts/testing'
import { ImapFlow, type ImapFlowOptions } from 'imapflow'
import { expect } from 'vitest'
import { testPki } from '../support/certs.js'
import {
  type CommitOptions,
  commitFor,
  expectRefusal,
  type Committed as GenericCommitted,
  type GuardSpec,
} from '../support/guard-harness.js'

export { NOW } from '../support/guard-harness.js'
export const ACCOUNT = 'acct_imap_e2e'
export const pki = testPki()

const SPEC: GuardSpec<ImapConnectOptions, GuardedImap> = {
  account: ACCOUNT,
  service: 'imap',
  defaults: { trust: { ca: pki.caCert }, auth: { user: FAKE_USER, pass: FAKE_PASS } },
  connect: connectImap,
}

export type Committed = GenericCommitted<ImapConnectOptions, GuardedImap>
export type { CommitOptions }

/** A setup-made commitment for `port`, stored, plus recording report sinks. */
export function commit(port: number, o: CommitOptions): Promise<Committed> {
  return commitFor(SPEC, port, o)
}

/** The refusal contract (see test/support/guard-harness.ts) for connectImap. */
export function expectRefused(
  setup: Committed,
  attempt: Promise<unknown>,
  code: ViolationCode | undefined,
): Promise<Report> {
  return expectRefusal(SPEC, setup, attempt, code, [FAKE_PASS])
}

/** The server never received ID, LOGIN or AUTHENTICATE, nor the password in any form. */
export function expectNoCredentials(server: FakeImapServer): void {
  expect(server.sawAny(['ID', 'LOGIN', 'AUTHENTICATE'])).toBe(false)
  expect(server.sawBytes(FAKE_PASS)).toBe(false)
}

/** What an app writes without the SDK. Resolves with the client or the error; never throws. */
export async function bareImapflow(
  server: FakeImapServer,
  options: Partial<ImapFlowOptions>,
): Promise<{ client: ImapFlow; error: unknown }> {
  const client = new ImapFlow({
    host: server.host,
    port: server.port,
    logger: false,
    auth: { user: FAKE_USER, pass: FAKE_PASS },
    ...options,
  })
  client.on('error', () => undefined)
  const error = await client.connect().then(
    () => undefined,
    (e: unknown) => e,
  )
  return { client, error }
}

/** The server received the credentials (LOGIN, or AUTHENTICATE followed by the SASL response). */
export function sawCredentials(server: FakeImapServer, phase?: 'plain' | 'tls'): boolean {
  const b64 = Buffer.from(`\0${FAKE_USER}\0${FAKE_PASS}`).toString('base64')
  return server.sawBytes(FAKE_PASS, phase) || server.sawBytes(b64, phase)
}

/** The TLS version the client negotiated (imapflow's `tls.version` is the cipher's, not the session's). */
export function negotiatedProtocol(client: ImapFlow): string | null {
  const socket = (client as unknown as { socket?: { getProtocol?: () => string | null } }).socket
  return socket?.getProtocol?.() ?? null
}
