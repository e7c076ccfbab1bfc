// Issue #13 item 5: no server can crash the host. A report sink that throws while the pre-TLS refusal
// runs inside a socket listener is contained; the refusal still completes.

import type { ReportDispatcher } from '@mua-sts/reports'
import { FAKE_PASS } from '@mua-sts/testing'
import { afterEach, expect, it } from 'vitest'
import { commit, pki } from '../imap/harness.js'
import { type HostileServer, startHostile } from '../imap/hostile-server.js'

let server: HostileServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

it('a throwing report dispatcher plus an injected pre-TLS line does not raise an uncaught exception', async () => {
  server = await startHostile({ leaf: pki.good }, async (c) => {
    c.write('* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n* CAPABILITY IMAP4rev1 XPWNED\r\n')
    await c.closed
  })
  const setup = await commit(server.port, { transport: 'starttls' })
  const uncaught: unknown[] = []
  const onUncaught = (e: unknown): void => {
    uncaught.push(e)
  }
  // Take over from vitest's own handler for the duration, so the crash is observed, not fatal.
  const previous = process.listeners('uncaughtException')
  process.removeAllListeners('uncaughtException')
  process.on('uncaughtException', onUncaught)
  try {
    const started = Date.now()
    const error = (await setup
      .connect({
        timeoutMs: 2000,
        // A hand-written dispatcher (the guard only needs `dispatch`): it throws on every report.
        reports: {
          dispatch: () => {
            throw new Error('report sink failed (disk full)')
          },
        } as unknown as ReportDispatcher,
      })
      .then(
        (client) => {
          client.close()
          return new Error('connectImap resolved')
        },
        (e: unknown) => e,
      )) as { code?: string }
    const ms = Date.now() - started
    expect(server.sawBytes(FAKE_PASS)).toBe(false)
    expect(uncaught).toEqual([])
    // The refusal is decided at once, not by the deadline.
    expect(error.code).toBe('MUASTS_ERR_COMMITMENT_VIOLATED')
    expect(ms).toBeLessThan(1500)
  } finally {
    process.off('uncaughtException', onUncaught)
    for (const l of previous) process.on('uncaughtException', l)
  }
})
