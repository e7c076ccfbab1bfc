// A proposal altered after propose() is refused before any credential test (#12). Proposals cross
// Electron IPC as plain data, so the seal must survive structured clone and JSON, and nothing else.
import { randomBytes } from 'node:crypto'
import { isSdkError } from '@mua-sts/core'
import { confirm, type Proposal, propose, type VerifyFn } from '@mua-sts/setup'
import { describe, expect, it, vi } from 'vitest'
import {
  CLOCK,
  cand,
  compliant,
  discoveryOf,
  KEY_2,
  NOW,
  OUTSIDE,
  RecordingStore,
  uniqueNow,
} from './proposal-fixtures.js'

const imap = cand({ port: 993, host: 'mail.hoster.test', trust: OUTSIDE })
const ITEM = 'imap/srv_target_outside_domain/mail.hoster.test:993'
const fresh = (sealKey?: Uint8Array): Proposal =>
  propose(discoveryOf([imap]), [compliant(imap)], {
    account: 'acct_1',
    now: uniqueNow(),
    ...(sealKey === undefined ? {} : { sealKey }),
  })

async function attempt(proposal: Proposal, extra: { sealKey?: Uint8Array } = {}) {
  const store = new RecordingStore()
  const verify = vi.fn<VerifyFn>(async () => {})
  const outcome = await confirm({
    proposal,
    store,
    verify: { imap: verify },
    confirmed: true,
    acknowledged: [ITEM],
    now: CLOCK,
    ...extra,
  }).catch((e: unknown) => e)
  return { outcome, verify, store }
}

const first = (p: Proposal) => p.services[0] as Proposal['services'][number]

describe('confirm: tampered proposals are refused before any verify', () => {
  it.each<[string, (p: Proposal) => Proposal]>([
    [
      'emptied confirmations',
      (p) => ({ ...p, confirmations: [], services: [{ ...first(p), confirmations: [] }] }),
    ],
    [
      'a relabelled candidate (needs-confirmation → trusted)',
      (p) => ({
        ...p,
        confirmations: [],
        services: [
          {
            ...first(p),
            confirmations: [],
            candidate: { ...first(p).candidate, trust: { level: 'trusted', reason: 'srv_target_in_domain' } },
          },
        ],
      }),
    ],
    [
      'a swapped endpoint (candidate, commitment and observation all moved coherently)',
      (p) => {
        const s = first(p)
        return {
          ...p,
          services: [
            {
              ...s,
              candidate: { ...s.candidate, host: 'mail.attacker.test' },
              commitment: {
                ...s.commitment,
                endpoint: { ...s.commitment.endpoint, host: 'mail.attacker.test' },
              },
              observation: {
                ...s.observation,
                endpoint: { ...s.observation.endpoint, host: 'mail.attacker.test' },
              },
            },
          ],
        }
      },
    ],
    [
      'an edited commitment (TLS floor)',
      (p) => ({
        ...p,
        services: [{ ...first(p), commitment: { ...first(p).commitment, tlsFloor: 'TLSv1.3' } }],
      }),
    ],
    [
      'an edited commitment (a pin slipped in)',
      (p) => ({
        ...p,
        services: [
          { ...first(p), commitment: { ...first(p).commitment, pins: { spki: [KEY_2], backup: [] } } },
        ],
      }),
    ],
    ['an edited explanation', (p) => ({ ...p, explanation: ['All good.'] })],
    ['an edited seal', (p) => ({ ...p, seal: `${p.seal.slice(0, -1)}${p.seal.endsWith('A') ? 'B' : 'A'}` })],
    [
      'a seal copied from another proposal',
      (p) => ({
        ...p,
        seal: propose(discoveryOf([imap]), [compliant(imap)], { account: 'acct_2', now: NOW }).seal,
      }),
    ],
    ['a removed service with its confirmation', (p) => ({ ...p, services: [], confirmations: [] })],
  ])('%s → MUASTS_ERR_PROPOSAL_TAMPERED', async (_name, alter) => {
    const p = fresh()
    const tampered = alter(structuredClone(p))
    expect(tampered).not.toEqual(p)
    const { outcome, verify, store } = await attempt(tampered)
    expect(isSdkError(outcome, 'MUASTS_ERR_PROPOSAL_TAMPERED')).toBe(true)
    expect(verify).not.toHaveBeenCalled()
    expect(store.writes).toEqual([])
  })

  it('accepts the proposal after structured clone and after a JSON round trip (Electron IPC)', async () => {
    for (const copy of [structuredClone(fresh()), JSON.parse(JSON.stringify(fresh())) as Proposal]) {
      const { outcome, verify } = await attempt(copy)
      expect(outcome).toMatchObject({ status: 'pinned' })
      expect(verify).toHaveBeenCalledTimes(1)
    }
  })

  it('accepts a proposal sealed with an app key only with that key (a proposal that survives a restart)', async () => {
    const key = randomBytes(32)
    const sealed = fresh(key)
    expect((await attempt(sealed, { sealKey: key })).outcome).toMatchObject({ status: 'pinned' })
    const other = await attempt(sealed, { sealKey: randomBytes(32) })
    expect(isSdkError(other.outcome, 'MUASTS_ERR_PROPOSAL_TAMPERED')).toBe(true)
    const processKey = await attempt(sealed)
    expect(isSdkError(processKey.outcome, 'MUASTS_ERR_PROPOSAL_TAMPERED')).toBe(true)
    expect(other.verify).not.toHaveBeenCalled()
  })

  it('refuses a seal key shorter than 32 bytes with MUASTS_ERR_INVALID_OPTION', () => {
    expect(() =>
      propose(discoveryOf([imap]), [compliant(imap)], {
        account: 'acct_1',
        now: NOW,
        sealKey: randomBytes(16),
      }),
    ).toThrow(expect.objectContaining({ code: 'MUASTS_ERR_INVALID_OPTION' }))
  })
})
