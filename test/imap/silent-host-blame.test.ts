// Issue #13 item 3 (honest blame): a host that accepts TCP and never sends a byte is an outage, so the
// deadline ends it as a connection_error report, never as a stalled_before_tls violation.
import { ReportSchema } from '@mua-sts/core'
import { FAKE_PASS } from '@mua-sts/testing'
import { afterEach, expect, it } from 'vitest'
import { commit, pki } from '../imap/harness.js'
import { type HostileServer, startHostile } from '../imap/hostile-server.js'

let server: HostileServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

it('a STARTTLS host that accepts TCP and stays silent is a connection error, not a stalled_before_tls violation', async () => {
  server = await startHostile({ leaf: pki.good }, async (c) => {
    await c.closed
  })
  const setup = await commit(server.port, { transport: 'starttls' })
  const started = Date.now()
  const error = (await setup.connect({ timeoutMs: 500 }).then(
    (client) => {
      client.close()
      return new Error('connectImap resolved')
    },
    (e: unknown) => e,
  )) as { code?: string; details?: Record<string, unknown>; report?: unknown }
  expect(Date.now() - started).toBeLessThan(5000)
  expect(server.log).toEqual([]) // the client never got a byte to send anything for
  expect(server.sawBytes(FAKE_PASS)).toBe(false)
  expect(error).toMatchObject({ code: 'MUASTS_ERR_TIMEOUT', details: { phase: 'greeting' } })
  const report = ReportSchema.parse(error.report)
  expect(report).toMatchObject({
    outcome: 'connection_error',
    violations: [],
    failure: { phase: 'greeting', code: 'MUASTS_ERR_TIMEOUT' },
  })
  expect(setup.reports.map((r) => r.outcome)).toEqual(['connection_error'])
})
