// The wizard's IPC handlers against the demo domain: bad input is refused at the boundary, and no
// credential reaches any server before the user confirmed every item, or ever outside TLS.
import { randomUUID } from 'node:crypto'
import type { ReportEvent } from '@mua-sts/reports'
import { callbackSink, ReportDispatcher } from '@mua-sts/reports'
import { MemoryCommitmentStore } from '@mua-sts/store'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { carriesSecret, wireLogs } from '../test-support/wire-log.js'
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
  api = createWizardApi({ store, reports: dispatcher, trust: demo.trust, discover: demo.discover })
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
    const r = await api['wizard:confirm']({ sessionId, password: demo.pass, acknowledged: [] }, emit)
    expect(r).toMatchObject({ ok: false, error: { code: 'MUASTS_ERR_CONFIRMATION_REQUIRED' } })
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
    expect(pins.map((p) => [p.service, p.host, p.transport, p.latches.join(' '), p.statusUrl])).toEqual([
      ['imap', 'mail.example.test', 'implicit-tls', 'tls-cert tls12', 'https://status.example.test/mail'],
      [
        'submission',
        'smtp.mailhost.test',
        'implicit-tls',
        'tls-cert tls12',
        'https://status.example.test/mail',
      ],
    ])
  })
})
