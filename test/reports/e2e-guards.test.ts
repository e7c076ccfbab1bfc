// Issue #7 end to end: an attack on each guarded protocol yields ONE report that reaches the app's
// event sink, the durable outbox and a real HTTPS collector under the same id. The attack is a failed
// SPKI pin, which is never named in band (issue #14): nothing is reported on the wire, and the report
// claims nothing.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createCommitment, type Report, type Service } from '@mua-sts/core'
import { connectImap } from '@mua-sts/imap'
import { connectPop3 } from '@mua-sts/pop3'
import { callbackSink, HttpsDelivery, JsonlOutbox, ReportDispatcher } from '@mua-sts/reports'
import { guardedSmtpTransport } from '@mua-sts/smtp'
import { MemoryCommitmentStore } from '@mua-sts/store'
import { FakeSmtpServer, startFakeImap, startFakePop3 } from '@mua-sts/testing'
import nodemailer from 'nodemailer'
import { afterAll, describe, expect, it } from 'vitest'
import { testPki } from '../support/certs.js'
import { startCollector } from '../support/collector.js'

const pki = testPki()
const dirs: string[] = []
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

type Attack = { port: number; inBand(): string[]; credentials(): boolean; close(): Promise<void> }

// Each server presents a valid certificate with a key the account did not pin: the server IS
// authenticated, yet it is the suspected impostor, so it is told nothing in band (issue #14).
const ATTACKERS: Record<Service, () => Promise<Attack>> = {
  imap: async () => {
    const s = await startFakeImap({ mode: 'implicit', leaf: pki.rekeyed })
    return {
      port: s.port,
      inBand: () =>
        s
          .commands()
          .filter((c) => c.name === 'ID')
          .map((c) => c.args),
      credentials: () => s.sawAny(['LOGIN', 'AUTHENTICATE']),
      close: () => s.close(),
    }
  },
  submission: async () => {
    const s = await FakeSmtpServer.start({
      mode: 'implicit-tls',
      leaf: pki.rekeyed,
      ehloAfterTls: ['AUTH PLAIN', 'DEEP tls12 tls-cert'],
    })
    return {
      port: s.port,
      inBand: () => s.commands.filter((c) => c.verb === 'CLIENT').map((c) => c.line),
      credentials: () => s.commands.some((c) => c.verb === 'AUTH'),
      close: () => s.close(),
    }
  },
  pop3: async () => {
    const s = await startFakePop3({ mode: 'implicit', leaf: pki.rekeyed })
    return { port: s.port, inBand: () => [], credentials: () => s.sawCredentials(), close: () => s.close() }
  },
}

async function attempt(
  service: Service,
  ctx: { account: string; store: MemoryCommitmentStore; reports: ReportDispatcher },
): Promise<unknown> {
  const trust = { ca: pki.caCert }
  const auth = { user: 'alice@example.test', pass: 'never-sent-secret' }
  try {
    if (service === 'imap') await connectImap({ ...ctx, trust, auth })
    else if (service === 'pop3') await connectPop3({ ...ctx, trust, auth })
    else await nodemailer.createTransport(guardedSmtpTransport({ ...ctx, trust, auth })).verify()
  } catch (error) {
    return error
  }
  return undefined
}

describe('one report, everywhere, at the moment of failure', async () => {
  const collector = await startCollector({ leaf: pki.good })
  afterAll(() => collector.close())

  it.each(['imap', 'submission', 'pop3'] as const)(
    '%s: event, outbox and collector carry the same report',
    async (service) => {
      const attacker = await ATTACKERS[service]()
      const dir = mkdtempSync(join(tmpdir(), 'mua-sts-e2e-'))
      dirs.push(dir)
      const outbox = new JsonlOutbox({ dir })
      const events: Report[] = []
      const reports = new ReportDispatcher([callbackSink((e) => events.push(e.report)), outbox])
      const store = new MemoryCommitmentStore()
      const account = `acct_e2e_${service}`
      await store.strengthen({
        ...createCommitment({
          account,
          service,
          host: 'localhost',
          port: attacker.port,
          transport: 'implicit-tls',
          pins: [pki.good.spki],
          source: 'setup',
          now: new Date().toISOString(),
        }),
        latches: ['tls-cert', 'tls12'],
      })

      const error = (await attempt(service, { account, store, reports })) as {
        code?: string
        report?: Report
      }
      await attacker.close()
      expect(error?.code).toBe('MUASTS_ERR_COMMITMENT_VIOLATED')
      expect(attacker.credentials()).toBe(false)

      // The event arrived before the call rejected, and the same object is attached to the error.
      expect(events).toHaveLength(1)
      const report = events[0] as Report
      expect(error.report?.reportId).toBe(report.reportId)
      // Durable: already in the outbox (fsynced inside dispatch), before any delivery ran.
      expect(outbox.read().reports.map((r) => r.reportId)).toEqual([report.reportId])
      // Delivered to the collector over validated HTTPS, carrying the same id.
      const delivery = new HttpsDelivery({ outbox, endpoint: collector.url, ca: pki.caCert })
      await delivery.flush()
      await delivery.stop()
      const delivered = collector.posts.flatMap((p) =>
        (p.json as { reports: Array<{ reportIds: string[] }> }).reports.flatMap((e) => e.reportIds),
      )
      expect(delivered).toContain(report.reportId)

      // In band: a pin failure is named only in the JSON report, never on the wire.
      expect(report.violations.map((v) => v.tag)).toEqual(['spki-pin'])
      expect(attacker.inBand()).toEqual([])
      expect(report.inBand).toBeNull()
      expect(report.action).toBe('blocked_before_auth')
    },
  )
})

describe('sinks cannot change or delay a refusal', () => {
  it('a throwing sink and a never-resolving sink leave the refusal and the other sinks intact', async () => {
    const attacker = await ATTACKERS.imap()
    const store = new MemoryCommitmentStore()
    const account = 'acct_e2e_sinks'
    await store.strengthen(
      createCommitment({
        account,
        service: 'imap',
        host: 'localhost',
        port: attacker.port,
        transport: 'implicit-tls',
        pins: [pki.good.spki],
        source: 'setup',
        now: new Date().toISOString(),
      }),
    )
    const seen: Report[] = []
    const reports = new ReportDispatcher([
      {
        name: 'throws',
        write: () => {
          throw new Error('sink exploded')
        },
      },
      { name: 'hangs', write: () => new Promise<void>(() => undefined) },
      callbackSink((e) => seen.push(e.report)),
    ])
    const error = (await attempt('imap', { account, store, reports })) as { code?: string; report?: Report }
    await attacker.close()
    expect(error?.code).toBe('MUASTS_ERR_COMMITMENT_VIOLATED')
    expect(seen.map((r) => r.reportId)).toEqual([error.report?.reportId])
    expect(attacker.credentials()).toBe(false)
  })
})
