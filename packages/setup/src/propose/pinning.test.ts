// propose() with SPKI pinning: the probed leaf key plus at least one backup key (RFC 7469 §4.3),
// or a coded INVALID_OPTION. Pure: synthetic observations, no sockets.
import { createObservation } from '@mua-sts/core'
import { describe, expect, it } from 'vitest'
import type { Candidate, Discovery } from '../discover/candidate.js'
import type { ProbeResult } from '../probe/result.js'
import { propose } from './propose.js'

const NOW = '2026-03-01T09:00:00.000Z'
const discoveryOf = (candidates: Candidate[]): Discovery => ({
  domain: 'example.test',
  candidates,
  notOffered: [],
  errors: [],
  diagnostics: [],
})
const cand = (x: { port: number }): Candidate => ({
  service: 'imap',
  host: 'mail.example.test',
  port: x.port,
  transport: 'implicit-tls',
  source: 'srv',
  trust: { level: 'trusted', reason: 'srv_target_in_domain' },
  priority: 0,
})
function compliant(
  c: Candidate,
  tls = 'TLSv1.3',
  patch: { certificate?: Parameters<typeof createObservation>[0]['certificate'] } = {},
): ProbeResult {
  const observation = createObservation({
    service: c.service,
    endpoint: { host: c.host, port: c.port },
    transport: c.transport,
    tls: { version: tls, cipher: 'TLS_AES_256_GCM_SHA384', cipherBits: 256 },
    certificate: { chainTrusted: true, expired: false, nameMatch: true, matchedIdentity: c.host },
    capsBeforeTls: [],
    capsAfterTls: [],
    anomalies: [],
    ...patch,
  })
  return { candidate: c, status: 'compliant', observation, violations: [] }
}

describe('propose: SPKI pinning (RFC 7469 backup pins)', () => {
  const LEAF = `${'L'.repeat(42)}Q=`
  const BACKUP = `${'B'.repeat(42)}Q=`
  const c = cand({ port: 993 })
  const withLeaf = compliant(c, 'TLSv1.3', {
    certificate: {
      chainTrusted: true,
      expired: false,
      nameMatch: true,
      matchedIdentity: c.host,
      spkiSha256: LEAF,
    },
  })

  it('pins the probed leaf key plus the backup keys', () => {
    const proposal = propose(discoveryOf([c]), [withLeaf], {
      account: 'acct_1',
      now: NOW,
      spkiPinning: { backup: [BACKUP] },
    })
    expect(proposal.services[0]?.commitment.pins).toEqual({ spki: [LEAF], backup: [BACKUP] })
    expect(proposal.explanation.some((l) => l.includes('1 backup key(s) are pinned'))).toBe(true)
  })

  it.each<[string, unknown]>([
    ['no backup pin', { backup: [] }],
    ['a malformed backup pin', { backup: ['not-a-pin'] }],
    ['a missing backup list', {}],
  ])('refuses %s with MUASTS_ERR_INVALID_OPTION', (_name, spkiPinning) => {
    const call = () =>
      propose(discoveryOf([c]), [withLeaf], {
        account: 'acct_1',
        now: NOW,
        spkiPinning: spkiPinning as never,
      })
    expect(call).toThrow(expect.objectContaining({ code: 'MUASTS_ERR_INVALID_OPTION' }))
  })

  it('refuses a "backup" that is the key the server uses now', () => {
    const call = () =>
      propose(discoveryOf([c]), [withLeaf], { account: 'acct_1', now: NOW, spkiPinning: { backup: [LEAF] } })
    expect(call).toThrow(expect.objectContaining({ code: 'MUASTS_ERR_INVALID_OPTION' }))
  })

  it('does not propose a server whose key could not be read when pinning is asked for', () => {
    const proposal = propose(discoveryOf([c]), [compliant(c)], {
      account: 'acct_1',
      now: NOW,
      spkiPinning: { backup: [BACKUP] },
    })
    expect(proposal.services).toEqual([])
    expect(proposal.rejected[0]?.code).toBe('spki_pin_mismatch')
  })
})
