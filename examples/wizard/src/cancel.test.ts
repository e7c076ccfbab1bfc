// The wizard's Cancel (issue #16 item 2): while confirm() tests the password against a server that
// completed the TLS handshake and then hangs, wizard:cancel tears the guarded connection down at once.
// wizard:confirm answers `cancelled`, the server never received LOGIN or the password, and the store
// holds nothing. Real TLS with the demo CA; the hanging server is in-process.
import { MemoryCommitmentStore } from '@mua-sts/store'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { type StallingImapServer, startStallingImap } from '../test-support/stalling-imap-server.js'
import { carriesSecret } from '../test-support/wire-log.js'
import { createWizardApi, type WizardApi } from './ipc-api.js'
import type { IpcResult, WizardEvent } from './ipc-schema.js'
import { type DemoEnvironment, startDemoEnvironment } from './server/demo-environment.js'

let demo: DemoEnvironment
let hanging: StallingImapServer
let store: MemoryCommitmentStore
let api: WizardApi
const emit = (_: WizardEvent): void => undefined

beforeEach(async () => {
  demo = await startDemoEnvironment()
  hanging = await startStallingImap(demo.pki.good)
  store = new MemoryCommitmentStore()
  api = createWizardApi({ store, trust: demo.trust, discover: demo.discover })
})
afterEach(async () => {
  await hanging.close()
  await demo.close()
})

function value<T>(r: IpcResult<T>): T {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`)
  return r.value
}

it('Cancel during a hanging login answers `cancelled` at once, sends no LOGIN, and writes nothing', async () => {
  // carol@unlisted.test has no DNS records: the user types the (hanging) server in.
  const { sessionId } = value(await api['wizard:discover']({ email: demo.unlisted.user }, emit))
  const server = {
    service: 'imap',
    host: demo.unlisted.host,
    port: hanging.port,
    transport: 'implicit-tls',
  }
  value(await api['wizard:manual']({ sessionId, servers: [server] }, emit))
  value(await api['wizard:probe']({ sessionId }, emit))
  const proposal = value(await api['wizard:propose']({ sessionId }, emit))
  const acknowledged = proposal.services.flatMap((s) => s.confirmations.map((c) => c.id))
  expect(proposal.services.map((s) => s.service)).toEqual(['imap'])
  // Nothing is running yet: Cancel is a no-op.
  expect(value(await api['wizard:cancel']({ sessionId }, emit))).toEqual({ cancelled: false })

  const confirming = api['wizard:confirm']({ sessionId, password: demo.unlisted.pass, acknowledged }, emit)
  await hanging.handshake(1) // the credential test's connection (0 was the probe's) is up and hangs
  await new Promise((r) => setTimeout(r, 100))
  expect(value(await api['wizard:cancel']({ sessionId }, emit))).toEqual({ cancelled: true })
  const cancelledAt = Date.now()
  expect(value(await confirming)).toEqual({ status: 'cancelled' })
  expect(Date.now() - cancelledAt).toBeLessThan(1_000)
  await hanging.closed(1)

  const afterTls = hanging.received[1] ?? Buffer.alloc(0)
  expect(afterTls.toString('latin1')).not.toMatch(/LOGIN|AUTHENTICATE/i)
  expect(carriesSecret(afterTls, demo.unlisted.pass)).toBe(false)
  expect(await store.list()).toEqual([])
  expect(value(await api['wizard:pins']({ sessionId }, emit))).toEqual({ pins: [] })
  // The session is usable again: the Cancel is over, nothing is left running.
  expect(value(await api['wizard:cancel']({ sessionId }, emit))).toEqual({ cancelled: false })
})
