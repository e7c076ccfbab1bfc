// What reaches the app from a guarded client (issue #13 items 4 and 5): post-TLS [ALERT] text through
// `onAlert` during connect and login and afterwards, sanitized; pre-TLS alerts never (they are refused
// and counted as evidence); and a connection that dies after login never crashes the host process:
// the SDK's error listener stays, the error is coded, goes to `onError` and to the next command.
import { ReportSchema, type SdkError } from '@mua-sts/core'
import type { ImapAlert } from '@mua-sts/imap'
import { startFakeImap } from '@mua-sts/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { commit, pki } from './harness.js'
import { type HostileServer, servePostTls, startHostile } from './hostile-server.js'

let server: HostileServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

const GREETING = '* OK [CAPABILITY IMAP4rev1 ID IDLE] ready\r\n'

describe('[ALERT] reaches the app only after TLS', () => {
  it('delivers post-TLS alerts during connect and login, and afterwards, without markup or escapes', async () => {
    let after: (() => void) | undefined
    server = await startHostile({ leaf: pki.good, implicit: true }, async (c) => {
      c.write('* OK [ALERT] Maintenance <b>tonight</b>\x1b[31m at 22:00\r\n')
      after = () => c.write('* OK [ALERT] Server restarting\r\n')
      await servePostTls(c, { loginReply: '[ALERT] Your mailbox is 95% full' })
    })
    const setup = await commit(server.port, { transport: 'implicit-tls' })
    const alerts: ImapAlert[] = []
    const client = await setup.connect({ onAlert: (a: ImapAlert) => alerts.push(a) })
    expect(alerts.map((a) => a.response)).toEqual(['OK', 'OK'])
    expect(alerts[0]?.message).toMatch(/^Maintenance btonight\/b\[31m at 22:00$/)
    expect(alerts[1]?.message).toBe('Your mailbox is 95% full')
    for (const a of alerts) expect(a.message).not.toMatch(/[<>\u0000-\u001f]/)
    after?.()
    await expect.poll(() => alerts.length).toBe(3)
    expect(alerts[2]?.message).toBe('Server restarting')
    client.close()
  })

  it('never delivers a pre-TLS alert; the refusal keeps it only as evidence', async () => {
    const text = 'Call +1-555-0100 to unlock your account'
    const fake = await startFakeImap({ mode: 'starttls', leaf: pki.good, greetingAlert: text })
    try {
      const setup = await commit(fake.port, { transport: 'starttls' })
      const alerts: ImapAlert[] = []
      const error = (await setup
        .connect({ onAlert: (a: ImapAlert) => alerts.push(a) })
        .catch((e: unknown) => e)) as {
        report?: unknown
      }
      expect(alerts).toEqual([])
      const report = ReportSchema.parse(error.report)
      expect(report.violations.map((v) => v.code)).toEqual(['untagged_before_tls'])
      expect(report.observed?.evidence?.map((e) => e.kind)).toEqual(['ALERT'])
      expect(JSON.stringify(report)).not.toMatch(/555-0100|unlock/) // not bare 555: a random port may contain it
    } finally {
      await fake.close()
    }
  })
})

describe('a connection that dies after login', () => {
  // events.once() would reject on the 'error' event this test is about; wait for 'close' alone.
  const closed = (client: { once(e: 'close', f: () => void): unknown }) =>
    new Promise<void>((resolve) => client.once('close', resolve))

  async function loggedIn(extra: Record<string, unknown> = {}) {
    let reset: (() => void) | undefined
    let silent = false
    server = await startHostile({ leaf: pki.good, implicit: true }, async (c) => {
      c.write(GREETING)
      reset = () => c.reset()
      await servePostTls(c, { silent: () => silent })
    })
    const setup = await commit(server.port, { transport: 'implicit-tls' })
    const client = await setup.connect(extra)
    return { client, reset: () => reset?.(), quiet: () => (silent = true) }
  }

  it('a TCP reset with no app error listener does not crash the process; the next command rejects coded', async () => {
    const uncaught: unknown[] = []
    const onUncaught = (e: unknown) => uncaught.push(e)
    process.on('uncaughtException', onUncaught)
    try {
      const { client, reset } = await loggedIn()
      expect(client.listenerCount('error')).toBe(1) // the SDK's own, kept for the client's whole life
      const gone = closed(client)
      reset()
      await gone
      expect(uncaught).toEqual([])
      expect(client.lastError).toMatchObject({ code: 'MUASTS_ERR_CONNECTION' })
      await expect(client.mailboxOpen('INBOX')).rejects.toMatchObject({ code: 'MUASTS_ERR_CONNECTION' })
      // Documented usage ends with logout(): on a dead connection it just closes.
      await expect(client.logout()).resolves.toBeUndefined()
    } finally {
      process.off('uncaughtException', onUncaught)
    }
  })

  it('routes the coded error to onError once, and an onError that throws is contained', async () => {
    const seen: SdkError[] = []
    const { client, reset } = await loggedIn({
      onError: (e: SdkError) => {
        seen.push(e)
        throw new Error('app listener bug')
      },
    })
    const gone = closed(client)
    reset()
    await gone
    expect(seen).toHaveLength(1)
    expect(seen[0]).toMatchObject({ code: 'MUASTS_ERR_CONNECTION' })
    expect(seen[0]?.message).not.toMatch(/attack/i)
  })

  it('the idle timeout after login closes a silent session with a coded timeout', async () => {
    const seen: SdkError[] = []
    const { client, quiet } = await loggedIn({ idleTimeoutMs: 1000, onError: (e: SdkError) => seen.push(e) })
    const gone = closed(client)
    quiet()
    void client.noop().catch(() => undefined)
    await gone
    expect(seen.map((e) => e.code)).toEqual(['MUASTS_ERR_TIMEOUT'])
  }, 10_000)
})
