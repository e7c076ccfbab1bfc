// The CI slice of the guard fuzzer (issue #13 item 7): 300 fixed-seed hostile streams per protocol
// through the public connect functions. The full run (≥ 100,000 per protocol) is `npm run fuzz`
// (scripts/fuzz.mjs); docs/fuzzing.md records its results. A failure prints the seed and case index:
// `sampleCases(protocol, seed + Math.floor(index / BATCH), …)[index % BATCH]` is the case.
import { describe, expect, it } from 'vitest'
import { runCampaign } from './campaign.js'
import { leakIn, MARKER_PASS, MARKER_USER } from './run-case.js'
import type { Protocol } from './scripts.js'

const SEED = 13_0713
const CASES = 300
const CONCURRENCY = 12

describe.each(['smtp', 'pop3', 'imap'] as const)(
  '%s guard under generated hostile servers',
  (protocol: Protocol) => {
    it(`settles every case in time, coded, crash-free and without a credential before a passed check (${CASES} cases, seed ${SEED})`, async () => {
      const r = await runCampaign(protocol, SEED, CASES, CONCURRENCY)
      expect(r.failures).toEqual([])
      expect({ hangs: r.hangs, leaks: r.leaks, uncoded: r.uncoded, crashes: r.crashes }).toEqual({
        hangs: 0,
        leaks: 0,
        uncoded: 0,
        crashes: 0,
      })
      expect(r.clients + r.errors).toBe(CASES)
      // The generator must reach the guards' happy path too, not only their refusals.
      expect(r.clients).toBeGreaterThan(0)
    }, 240_000)
  },
)

// The judge must be able to fail: a property that cannot see a leak proves nothing.
describe('the leak judge', () => {
  const conn = (plain: string, tls: string) => ({
    serverPort: 1,
    clientPort: 1, // no guard check ever passed for this pair
    tls: tls !== '',
    ended: undefined,
    log: [
      { phase: 'plain' as const, bytes: Buffer.from(plain, 'latin1') },
      { phase: 'tls' as const, bytes: Buffer.from(tls, 'latin1') },
    ],
  })
  const plainAuth = Buffer.from(`\0${MARKER_USER}\0${MARKER_PASS}`).toString('base64')

  it.each([
    ['the password in cleartext', `PASS ${MARKER_PASS}\r\n`, ''],
    ['AUTH PLAIN in cleartext', `AUTH PLAIN ${plainAuth}\r\n`, ''],
    ['an IMAP LOGIN in cleartext (no password needed)', '3 LOGIN x y\r\n', ''],
    ['a CLIENT command in cleartext', 'CLIENT latch-fail=tls12\r\n', ''],
    ['the password over TLS without a passed check', 'EHLO x\r\n', `AUTH PLAIN ${plainAuth}\r\n`],
  ])('flags %s', (_, plain, tls) => {
    expect(leakIn(conn(plain, tls))).toBeDefined()
  })

  it('accepts a session that never sent a credential', () => {
    expect(leakIn(conn('EHLO [127.0.0.1]\r\nSTARTTLS\r\n', 'EHLO [127.0.0.1]\r\nQUIT\r\n'))).toBeUndefined()
  })
})
