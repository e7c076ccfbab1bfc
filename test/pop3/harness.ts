// @mua-sts/pop3 end-to-end test set-up: the shared guard harness bound to connectPop3, POP3 wire
// assertions, a recorder of every Guard decision (with what the server had seen at that moment), and
// the raw-client contrast an app would write with a gate that always passes.
import { isSdkError, type Report, type ViolationCode } from '@mua-sts/core'
import { type ConnectPop3Options, connectPop3, type GuardedPop3, Pop3Client } from '@mua-sts/pop3'
import { Guard } from '@mua-sts/transport'
import { expect, vi } from 'vitest'
import { FAKE_PASS, FAKE_TOKEN, FAKE_USER, type FakePop3Server } from '../fakes/pop3-server.js'
import { testPki } from '../support/certs.js'
import {
  type CommitOptions,
  commitFor,
  expectRefusal,
  type Committed as GenericCommitted,
  type GuardSpec,
} from '../support/guard-harness.js'

export { NOW } from '../support/guard-harness.js'
export const ACCOUNT = 'acct_pop3_e2e'
export const pki = testPki()

const SPEC: GuardSpec<ConnectPop3Options, GuardedPop3> = {
  account: ACCOUNT,
  service: 'pop3',
  defaults: { trust: { ca: pki.caCert }, auth: { user: FAKE_USER, pass: FAKE_PASS } },
  connect: connectPop3,
}

export type Committed = GenericCommitted<ConnectPop3Options, GuardedPop3>
export type { CommitOptions }

/** A setup-made commitment for `port` (host `localhost` unless given), stored, plus recording sinks. */
export function commit(port: number, o: CommitOptions): Promise<Committed> {
  return commitFor(SPEC, port, o)
}

/** The refusal contract (see test/support/guard-harness.ts) for connectPop3; no user name either. */
export function expectRefused(
  setup: Committed,
  attempt: Promise<unknown>,
  code: ViolationCode | undefined,
): Promise<Report> {
  return expectRefusal(SPEC, setup, attempt, code, [FAKE_PASS, FAKE_USER], (client) =>
    (client as Pop3Client).close(),
  )
}

/** Asserts a coded failure that is NOT a violation: that code, no report, the commitment unchanged. */
export async function expectFailedWithoutReport(
  setup: Committed,
  attempt: Promise<unknown>,
  code: string,
): Promise<unknown> {
  const error = await attempt.then(
    (client) => {
      ;(client as Pop3Client).close()
      return new Error('connectPop3 resolved, expected a failure')
    },
    (e: unknown) => e,
  )
  expect(isSdkError(error), String(error)).toBe(true)
  expect((error as { code: string }).code).toBe(code)
  expect(setup.reports).toEqual([])
  expect(await setup.store.get(ACCOUNT, 'pop3')).toEqual(setup.commitment)
  return error
}

const CREDENTIAL_VERBS = new Set(['USER', 'PASS', 'AUTH', 'APOP', 'SASL-RESPONSE'])
const PLAIN_RESPONSE = Buffer.from(`\0${FAKE_USER}\0${FAKE_PASS}`).toString('base64')

/**
 * The server's byte log holds no USER, PASS, AUTH or APOP line, in either phase, and none of the
 * secrets in any form (password, token, the AUTH PLAIN response). Waits until every connection closed.
 */
export async function expectNoCredentials(server: FakePop3Server): Promise<void> {
  await server.connectionsClosed()
  expect(server.commands.filter((c) => CREDENTIAL_VERBS.has(c.verb))).toEqual([])
  const wire = server.bytes().toString('latin1')
  expect(wire).not.toMatch(/(^|\n)(USER|PASS|AUTH|APOP)\b/i)
  for (const secret of [FAKE_PASS, FAKE_TOKEN, PLAIN_RESPONSE]) expect(wire).not.toContain(secret)
  expect(server.sawCredentials()).toBe(false)
}

export type CheckRecord = { readonly ok: boolean; readonly credentialsBefore: boolean }

/**
 * Records every Guard.check() decision, with whether `server` had already received credentials at
 * that moment. Restored by `vi.restoreAllMocks()`.
 */
export function recordChecks(server: FakePop3Server): CheckRecord[] {
  const records: CheckRecord[] = []
  const original = Guard.prototype.check
  vi.spyOn(Guard.prototype, 'check').mockImplementation(function (this: Guard, ...args) {
    const result = original.apply(this, args)
    records.push({ ok: result.ok, credentialsBefore: server.sawCredentials() })
    return result
  })
  return records
}

/**
 * CONTRAST: the same client without the Guard. The public Pop3Client with a gate that always passes,
 * which is what an app gets when it connects itself (same endpoint, test CA, any TLS overrides).
 */
export async function rawClientLogin(
  server: FakePop3Server,
  patch: Partial<Parameters<typeof Pop3Client.connect>[0]> = {},
): Promise<{ error: unknown }> {
  const error = await Pop3Client.connect({
    ...server.clientEndpoint(),
    tls: { ca: pki.caCert, servername: 'localhost' },
    gate: async () => {},
    ...patch,
  })
    .then(async (client) => {
      await client.login({ user: FAKE_USER, pass: FAKE_PASS })
      await client.quit()
    })
    .then(
      () => undefined,
      (e: unknown) => e,
    )
  return { error }
}
