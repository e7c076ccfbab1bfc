// Property: whatever a server sends (valid-looking replies, garbage, over-long lines, random
// segmentation, a hang or a hang-up), and whichever mode is committed, connectPop3 settles with a
// client or a coded SdkError, a violation always comes with its report, and no credential reaches the
// server before a Guard check passed (nor ever in cleartext). Real sockets, real TLS, the fake server.
import { isSdkError } from '@mua-sts/core'
import { Pop3ErrorCode } from '@mua-sts/pop3'
import fc from 'fast-check'
import { describe, expect, it, vi } from 'vitest'
import { type FakeCommand, startFakePop3 } from '../fakes/pop3-server.js'
import { pop3Reply as reply, VALID_CAPA_WITH_STLS } from '../support/pop3-replies.js'
import { commit, pki, recordChecks } from './harness.js'

const scenario = fc.record({
  mode: fc.constantFrom('implicit' as const, 'starttls' as const),
  // Usually the committed mode matches the server; sometimes it does not (a downgrade or a mix-up).
  committed: fc.constantFrom('match', 'match', 'match', 'implicit-tls', 'starttls'),
  // A valid opening makes the deep states (TLS, check, login, learning) reachable, then randomness.
  validOpening: fc.boolean(),
  greeting: reply,
  replies: fc.array(reply, { maxLength: 6 }),
  segmentBytes: fc.option(fc.integer({ min: 1, max: 7 }), { nil: undefined }),
  ending: fc.constantFrom('hang' as const, 'close' as const),
})

const CREDENTIAL = new Set(['USER', 'PASS', 'AUTH', 'APOP', 'SASL-RESPONSE'])
// The connect deadline and connection errors use core's codes (issue #13), the same on every protocol.
const CODES = new Set<string>([
  ...Object.values(Pop3ErrorCode),
  'MUASTS_ERR_COMMITMENT_VIOLATED',
  'MUASTS_ERR_TIMEOUT',
  'MUASTS_ERR_CONNECTION',
])
const FAST = { connectMs: 2000, greetingMs: 200, handshakeMs: 2000, commandMs: 200 }
/** Liveness bound, far above every configured deadline: reaching it means connectPop3 hung. */
const HANG_MS = 15_000

describe('connectPop3 against random server byte streams', () => {
  it('settles with a client or a coded error and never sends credentials before a passed check', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const opening =
          s.mode === 'implicit'
            ? ['+OK\r\nUSER\r\n.\r\n']
            : [VALID_CAPA_WITH_STLS, '+OK begin TLS\r\n', '+OK\r\nUSER\r\n.\r\n']
        const script = s.validOpening ? [...opening, ...s.replies] : s.replies
        let next = 0
        const server = await startFakePop3({
          mode: s.mode,
          leaf: pki.good,
          greeting: s.validOpening ? '+OK ready' : Buffer.from(s.greeting),
          ...(s.segmentBytes === undefined ? {} : { segmentBytes: s.segmentBytes }),
          reply: () => script[next++] ?? s.ending,
        })
        const transport =
          s.committed === 'match' ? (s.mode === 'implicit' ? 'implicit-tls' : 'starttls') : s.committed
        const setup = await commit(server.port, { transport })
        const checks = recordChecks(server)
        let timer: NodeJS.Timeout | undefined
        try {
          const hang = new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error('connectPop3 did not settle')), HANG_MS)
          })
          const outcome = await Promise.race([
            setup.connect({ timeouts: FAST }).then(
              (client) => ({ client }),
              (error: unknown) => ({ error }),
            ),
            hang,
          ])
          if ('error' in outcome) {
            expect(isSdkError(outcome.error), String(outcome.error)).toBe(true)
            const code = (outcome.error as { code: string }).code
            expect(CODES).toContain(code)
            // A violation, a stall before TLS and a connection error each carry the one report that
            // was dispatched before the rejection; any other failure dispatches none.
            const report = (outcome.error as { report?: unknown }).report
            if (code === 'MUASTS_ERR_COMMITMENT_VIOLATED') expect(report).toBeDefined()
            if (report !== undefined) {
              expect(setup.events).toEqual(['report', 'rejected'])
              expect(setup.reports).toEqual([report])
            } else expect(setup.reports).toEqual([])
          } else {
            expect(checks.some((c) => c.ok)).toBe(true)
            outcome.client.close()
          }
          await server.connectionsClosed()
          // Every check happened before any credential; credentials only ever follow a passed check.
          expect(checks.every((c) => !c.credentialsBefore)).toBe(true)
          if (!checks.some((c) => c.ok)) expect(server.sawCredentials()).toBe(false)
          const plain = server.commands.filter((c: FakeCommand) => c.phase === 'plain')
          expect(plain.filter((c) => CREDENTIAL.has(c.verb))).toEqual([])
        } finally {
          clearTimeout(timer)
          vi.restoreAllMocks()
          await server.close()
        }
      }),
      { numRuns: 80 },
    )
  }, 300_000)
})
