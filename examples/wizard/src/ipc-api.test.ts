// The wizard's IPC handlers against the demo domain: bad input is refused at the boundary, and no
// credential reaches any server before the user confirmed every item, or ever outside TLS.
import { randomUUID } from 'node:crypto'
import { createCommitment } from '@mua-sts/core'
import type { ReportEvent } from '@mua-sts/reports'
import { callbackSink, ReportDispatcher } from '@mua-sts/reports'
import { MemoryCommitmentStore } from '@mua-sts/store'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { carriesSecret, wireLogs } from '../test-support/wire-log.js'
import { memoryAccountDirectory } from './account-directory.js'
import { createWizardApi, type WizardApi } from './ipc-api.js'
import type { IpcResult, WizardEvent } from './ipc-schema.js'
import { type DemoEnvironment, startDemoEnvironment } from './server/demo-environment.js'

let demo: DemoEnvironment
let store: MemoryCommitmentStore
let reports: ReportEvent[]
let api: WizardApi
const events: WizardEvent[] = []
const emit = (e: WizardEvent): void => {
  events.push(e)
}

beforeEach(async () => {
  demo = await startDemoEnvironment()
  store = new MemoryCommitmentStore()
  reports = []
  events.length = 0
  const dispatcher = new ReportDispatcher([callbackSink((e) => reports.push(e))])
  api = createWizardApi({
    store,
    reports: dispatcher,
    trust: demo.trust,
    discover: demo.discover,
    accounts: memoryAccountDirectory({ 'alice@example.test': 'acct_alice' }),
  })
})
afterEach(async () => {
  await demo.close()
})

function value<T>(r: IpcResult<T>): T {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`)
  return r.value
}

/** discover → probe → propose, as the page does; returns the session and the proposal. */
async function proposed() {
  const { sessionId } = value(await api['wizard:discover']({ email: 'alice@example.test' }, emit))
  value(await api['wizard:probe']({ sessionId }, emit))
  const proposal = value(await api['wizard:propose']({ sessionId }, emit))
  const acknowledged = proposal.services.flatMap((s) => s.confirmations.map((c) => c.id))
  return { sessionId, proposal, acknowledged }
}

const noSecretAnywhere = (secret: string): void => {
  for (const log of wireLogs(demo)) {
    expect(carriesSecret(log.plain, secret), log.server).toBe(false)
    expect(carriesSecret(log.tls, secret), log.server).toBe(false)
  }
}

describe('createWizardApi', () => {
  it('answers malformed or unknown requests with MUASTS_ERR_INVALID_OPTION before any lookup', async () => {
    const bad = [
      await api['wizard:discover']({ email: 5 }, emit),
      await api['wizard:discover']({ email: 'alice@example.test', sendAddress: true }, emit),
      await api['wizard:probe']({ sessionId: 'not-a-uuid' }, emit),
      await api['wizard:probe']({ sessionId: randomUUID() }, emit),
      await api['wizard:confirm']({ sessionId: randomUUID(), password: '', acknowledged: [] }, emit),
    ]
    for (const r of bad) expect(r).toMatchObject({ ok: false, error: { code: 'MUASTS_ERR_INVALID_OPTION' } })
    expect(demo.zone.calls).toEqual([])
  })

  it('pushes live progress events for every candidate, tagged with the session', async () => {
    const { sessionId } = value(await api['wizard:discover']({ email: 'alice@example.test' }, emit))
    const { rows } = value(await api['wizard:probe']({ sessionId }, emit))
    const probeEvents = events.filter((e) => e.type === 'probe')
    expect(probeEvents.every((e) => e.sessionId === sessionId)).toBe(true)
    for (const row of rows) {
      const steps = probeEvents.filter((e) => e.index === row.index).map((e) => e.step)
      expect(steps.at(-1)).toBe('done')
    }
  })

  it('pins nothing and sends no credential until every confirmation item is acknowledged', async () => {
    const { sessionId, acknowledged } = await proposed()
    expect(acknowledged).toHaveLength(1)
    const r = value(await api['wizard:confirm']({ sessionId, password: demo.pass, acknowledged: [] }, emit))
    // setup derives the items from the trust labels; the page gets their ids to mark them inline.
    expect(r).toEqual({ status: 'unacknowledged', items: acknowledged })
    noSecretAnywhere(demo.pass)
    expect(await store.list()).toEqual([])
  })

  it('pins nothing when the password is wrong, and tried it only over TLS on the proposed servers', async () => {
    const { sessionId, acknowledged } = await proposed()
    const wrong = 'not-the-password-4711'
    const r = value(await api['wizard:confirm']({ sessionId, password: wrong, acknowledged }, emit))
    expect(r).toMatchObject({ status: 'not-pinned' })
    expect(r.status === 'not-pinned' && r.failures.map((f) => [f.service, f.code])).toEqual([
      ['imap', 'MUASTS_ERR_AUTH_FAILED'],
      ['submission', 'MUASTS_ERR_AUTH_FAILED'],
    ])
    for (const log of wireLogs(demo)) expect(carriesSecret(log.plain, wrong), log.server).toBe(false)
    expect(await store.list()).toEqual([])
  })

  it('refuses a server that changed its certificate after the probe, reports it, and pins nothing', async () => {
    const { sessionId, acknowledged } = await proposed()
    demo.servers.smtps.swapCertificate(demo.pki.otherCa)
    const r = value(await api['wizard:confirm']({ sessionId, password: demo.pass, acknowledged }, emit))
    expect(r.status === 'not-pinned' && r.failures.map((f) => [f.service, f.code])).toEqual([
      ['submission', 'MUASTS_ERR_COMMITMENT_VIOLATED'],
    ])
    expect(demo.servers.smtps.logins).toEqual([])
    expect(carriesSecret(demo.servers.smtps.clientBytes(), demo.pass)).toBe(false)
    expect(reports.map((e) => e.report.violations.map((v) => v.code))).toEqual([['certificate_not_trusted']])
    expect(await store.list()).toEqual([])
  })

  it('pins the confirmed commitments, with the latches learned after TLS, and lists them', async () => {
    const { sessionId, acknowledged } = await proposed()
    const r = value(await api['wizard:confirm']({ sessionId, password: demo.pass, acknowledged }, emit))
    expect(r.status).toBe('pinned')
    const { pins } = value(await api['wizard:pins']({ sessionId }, emit))
    expect(pins.map((p) => [p.service, p.host, p.transport, p.latches.join(' ')])).toEqual([
      ['imap', 'mail.example.test', 'implicit-tls', 'tls-cert tls12'],
      ['submission', 'smtp.mailhost.test', 'implicit-tls', 'tls-cert tls12'],
    ])
    // Under the mail domain and the IMAP host's own registrable domain (#12 item 5).
    expect(pins[0]?.statusUrl).toBe('https://status.example.test/mail')
  })

  it('adds typed-in servers labelled entered_by_user, and refuses a malformed host before any dial', async () => {
    const { sessionId } = value(await api['wizard:discover']({ email: demo.unlisted.user }, emit))
    const { host, imapsPort } = demo.unlisted
    const bad = await api['wizard:manual'](
      {
        sessionId,
        servers: [{ service: 'imap', host: 'mail unlisted', port: imapsPort, transport: 'implicit-tls' }],
      },
      emit,
    )
    expect(bad).toMatchObject({ ok: false, error: { code: 'MUASTS_ERR_INVALID_OPTION' } })
    const server = { service: 'imap', host: host.toUpperCase(), port: imapsPort, transport: 'implicit-tls' }
    const found = value(await api['wizard:manual']({ sessionId, servers: [server] }, emit))
    expect(found.candidates.map((c) => [c.host, c.source, c.trust.level, c.trust.found])).toEqual([
      [host, 'manual', 'needs-confirmation', 'entered by you'],
    ])
    // Entering again replaces what was typed before; it does not pile up.
    const again = value(await api['wizard:manual']({ sessionId, servers: [server] }, emit))
    expect(again.candidates).toHaveLength(1)
    value(await api['wizard:probe']({ sessionId }, emit))
    const proposal = value(await api['wizard:propose']({ sessionId }, emit))
    expect(proposal.services.map((s) => [s.host, s.trust.reason, s.confirmations.length])).toEqual([
      [host, 'entered_by_user', 1],
    ])
  })

  it('answers a provider move with a conflict, and replaces only after it was shown, with one audit record', async () => {
    const old = createCommitment({
      account: 'acct_alice',
      service: 'imap',
      host: 'imap.oldhost.test',
      port: 993,
      transport: 'implicit-tls',
      source: 'setup',
      now: '2025-06-01T00:00:00.000Z',
    })
    await store.strengthen(old)
    const { sessionId, acknowledged } = await proposed()
    const replace = { reason: 'provider moved' }
    const early = await api['wizard:confirm']({ sessionId, password: demo.pass, acknowledged, replace }, emit)
    expect(early).toMatchObject({ ok: false, error: { code: 'MUASTS_ERR_INVALID_OPTION' } })

    const r = value(await api['wizard:confirm']({ sessionId, password: demo.pass, acknowledged }, emit))
    expect(r).toEqual({
      status: 'conflict',
      conflicts: [
        {
          service: 'imap',
          pinned: { host: 'imap.oldhost.test', port: 993, transport: 'implicit-tls' },
          proposed: { host: 'mail.example.test', port: demo.servers.imaps.port, transport: 'implicit-tls' },
        },
      ],
    })
    noSecretAnywhere(demo.pass)
    expect(store.audit).toEqual([])

    const done = value(
      await api['wizard:confirm']({ sessionId, password: demo.pass, acknowledged, replace }, emit),
    )
    expect(done).toMatchObject({ status: 'pinned', replaced: true })
    expect((await store.list('acct_alice')).map((c) => c.endpoint.host)).toEqual([
      'mail.example.test',
      'smtp.mailhost.test',
    ])
    expect(store.audit.map((a) => [a.kind, a.actor, a.reason])).toEqual([
      ['replace', 'user', 'provider moved'],
    ])
  })
})
