// The POP3 fake lives in @mua-sts/testing; this shim keeps the tests' defaults: the leaf and CA of
// the per-process test PKI (test/support/certs.ts) when a script names none.
import {
  type FakePop3Script as BaseScript,
  type FakePop3Server,
  startFakePop3 as startBase,
} from '@mua-sts/testing'
import { testPki } from '../support/certs.js'

export {
  type ByteLogEntry,
  DEFAULT_CAPA_AFTER_TLS,
  DEFAULT_CAPA_BEFORE_TLS,
  FAKE_POP3_PASS as FAKE_PASS,
  FAKE_POP3_TOKEN as FAKE_TOKEN,
  FAKE_USER,
  type FakeAccount,
  type FakeCommand,
  type FakeMessage,
  type FakePop3Server,
  type FakeReply,
  type Phase,
} from '@mua-sts/testing'

export type FakePop3Script = Omit<BaseScript, 'leaf'> & { readonly leaf?: BaseScript['leaf'] }

/** Starts the fake with the test PKI's good leaf unless the script names another. */
export function startFakePop3(script: FakePop3Script): Promise<FakePop3Server> {
  const pki = testPki()
  return startBase({ ...script, leaf: script.leaf ?? pki.good, caCert: script.caCert ?? pki.caCert })
}
