// Tripwires end to end: an imapflow that bypasses the guarded transport (simulated by removing it
// through the internal test seam, as a future imapflow with a new connect path would) gets a TLS
// session of its own, and is still stopped before the client ID and before any credential.
import { isSdkError } from '@mua-sts/core'
import { type FakeImapServer, startFakeImap } from '@mua-sts/testing'
import { afterEach, describe, expect, it } from 'vitest'
// Internal test seam, deliberately not exported from @mua-sts/imap.
import { openGuardedImap } from '../../packages/imap/src/connect.js'
import { commit, pki } from './harness.js'

describe('tripwires', () => {
  let server: FakeImapServer
  afterEach(async () => {
    await server?.close()
  })

  it.each([
    ['implicit-tls', 'implicit'],
    ['starttls', 'starttls'],
  ] as const)(
    'an imapflow that bypasses the transport (%s) is stopped before ID and LOGIN',
    async (transport, mode) => {
      server = await startFakeImap({ mode, leaf: pki.good })
      const setup = await commit(server.port, { transport })
      const error = await openGuardedImap(setup.options(), {
        beforeConnect: (client) => {
          // What a future imapflow that ignores `transport` would do: its own, unchecked TLS socket.
          const options = (client as unknown as { options: Record<string, unknown> }).options
          options['transport'] = undefined
          options['tls'] = { ca: pki.caCert, servername: 'localhost' }
        },
      }).catch((e: unknown) => e)
      expect(isSdkError(error, 'MUASTS_ERR_GUARD_BYPASSED')).toBe(true)
      // imapflow connected on its own (and, for STARTTLS, upgraded), yet sent neither ID nor credentials.
      expect(server.connections).toBe(1)
      expect(server.sawAny(['ID', 'LOGIN', 'AUTHENTICATE'])).toBe(false)
      if (mode === 'starttls') expect(server.sawAny(['CAPABILITY'], 'tls')).toBe(true)
    },
  )
})
