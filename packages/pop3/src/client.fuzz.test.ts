// Property: whatever a server sends (valid-looking replies, garbage, over-long lines, random
// segmentation, hang or hang-up), connect() settles with success or a coded Pop3Error, and no
// credential command reaches the server before the gate passed. Real sockets, real TLS, the fake server.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { FAKE_PASS, FAKE_USER, type FakeCommand, startFakePop3 } from '../../../test/fakes/pop3-server.js'
import { pop3Reply as reply, VALID_CAPA_WITH_STLS } from '../../../test/support/pop3-replies.js'
import { isPop3Error, Pop3Client, Pop3ErrorCode } from './index.js'

const scenario = fc.record({
  mode: fc.constantFrom('implicit' as const, 'starttls' as const),
  // A valid opening makes the deep states (TLS, gate, login) reachable, then randomness takes over.
  validOpening: fc.boolean(),
  greeting: reply,
  replies: fc.array(reply, { maxLength: 6 }),
  segmentBytes: fc.option(fc.integer({ min: 1, max: 7 }), { nil: undefined }),
  ending: fc.constantFrom('hang' as const, 'close' as const),
})

const CREDENTIAL = new Set(['USER', 'PASS', 'AUTH', 'APOP', 'SASL-RESPONSE'])
const codes = new Set<string>(Object.values(Pop3ErrorCode))

function checkBeforeGate(commands: readonly FakeCommand[]): void {
  for (const c of commands) {
    expect(CREDENTIAL.has(c.verb)).toBe(false)
    expect(c.phase === 'plain' ? ['CAPA', 'STLS'] : ['CAPA']).toContain(c.verb)
  }
}

describe('Pop3Client against random server byte streams', () => {
  it('always settles with success or a coded error and never sends credentials before the gate', async () => {
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
          greeting: s.validOpening ? '+OK ready' : Buffer.from(s.greeting),
          ...(s.segmentBytes === undefined ? {} : { segmentBytes: s.segmentBytes }),
          reply: () => script[next++] ?? s.ending,
        })
        let gateSnapshot: FakeCommand[] | undefined
        try {
          const outcome = await Pop3Client.connect({
            ...server.clientEndpoint(),
            timeouts: { connectMs: 2000, greetingMs: 200, handshakeMs: 2000, commandMs: 200, gateMs: 2000 },
            gate: async () => {
              gateSnapshot = [...server.commands]
              checkBeforeGate(gateSnapshot)
            },
          }).then(
            (client) => ({ client }),
            (error: unknown) => ({ error }),
          )
          if ('error' in outcome) {
            expect(isPop3Error(outcome.error)).toBe(true)
            expect(codes).toContain((outcome.error as { code: string }).code)
          } else {
            expect(gateSnapshot).toBeDefined()
            await outcome.client.login({ user: FAKE_USER, pass: FAKE_PASS }).catch((e: unknown) => {
              expect(isPop3Error(e)).toBe(true)
            })
            outcome.client.close()
          }
          await server.connectionsClosed()
          if (gateSnapshot === undefined) expect(server.sawCredentials()).toBe(false)
          expect(server.commands.some((c) => c.phase === 'plain' && CREDENTIAL.has(c.verb))).toBe(false)
        } finally {
          await server.close()
        }
      }),
      { numRuns: 80 },
    )
  }, 120_000)
})
