import { ErrorCode, isAtLeast } from '@mua-sts/core'
import { OTHER_SPKI, SAMPLE_SPKI } from '@mua-sts/core/testing'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { deriveKeys, mac, newMasterKey } from '../integrity/keys.js'
import { canonicalJson } from './canonical-json.js'
import { migrateV0ToV1, type StoreFileV0 } from './migrations.js'
import { decodeAccountFile, fileIdOf } from './store-file.js'

const master = newMasterKey()
const keys = deriveKeys(master)

/** A v0 file as the prototype wrote it: pretty-printed, hex HMAC with the raw master key. */
function v0File(v0: Omit<StoreFileV0, 'mac'>, key = keys.master): Buffer {
  const hex = Buffer.from(mac(key, canonicalJson(v0)), 'base64url').toString('hex')
  return Buffer.from(JSON.stringify({ ...v0, mac: hex }, null, 2))
}

const legacy: Omit<StoreFileV0, 'mac'> = {
  schemaVersion: 0,
  accountId: 'acct_1',
  seq: 7,
  observedAt: '2025-06-01T00:00:00.000Z',
  commitments: [
    {
      service: 'imap',
      host: 'IMAP.Example.NET.',
      port: 993,
      transport: 'implicit-tls',
      tlsFloor: 'TLSv1.2',
      latches: ['tls12', 'tls-cert', 'tls12'],
      pins: [SAMPLE_SPKI],
      firstSeen: '2025-01-01T00:00:00.000Z',
    },
  ],
}

describe('v0 → v1 migration', () => {
  it('verifies a v0 file with its own MAC rules and migrates it to a valid v1 body', () => {
    const body = decodeAccountFile(v0File(legacy), fileIdOf('acct_1'), keys)
    expect(body.migratedFrom).toBe(0)
    expect(body.seq).toBe(7)
    const imap = body.commitments.imap
    expect(imap?.endpoint).toEqual({ host: 'imap.example.net', port: 993, transport: 'implicit-tls' })
    expect(imap?.latches).toEqual(['tls-cert', 'tls12'])
    expect(imap?.pins).toEqual({ spki: [SAMPLE_SPKI], backup: [] })
    expect(imap?.provenance['latch:tls12']).toEqual({
      source: 'server',
      firstSeen: '2025-01-01T00:00:00.000Z',
      lastConfirmed: '2025-06-01T00:00:00.000Z',
    })
    expect(imap?.provenance[`pin:${SAMPLE_SPKI}`]?.source).toBe('setup')
  })

  it('joins two v0 entries for one service instead of dropping either (pins narrow, latches add up)', () => {
    const first = legacy.commitments[0] as StoreFileV0['commitments'][number]
    const twice = {
      ...legacy,
      commitments: [
        first,
        {
          ...first,
          latches: ['tls-dane-tlsa'],
          pins: [OTHER_SPKI, SAMPLE_SPKI],
          tlsFloor: 'TLSv1.3' as const,
        },
      ],
    }
    const imap = migrateV0ToV1({ ...twice, mac: '0'.repeat(64) }).commitments.imap
    expect(imap?.latches).toEqual(['tls-cert', 'tls-dane-tlsa', 'tls12'])
    expect(imap?.pins.spki).toEqual([SAMPLE_SPKI])
    expect(imap?.tlsFloor).toBe('TLSv1.3')
  })

  it('refuses two v0 entries for one service whose pin sets have no key in common', () => {
    const first = legacy.commitments[0] as StoreFileV0['commitments'][number]
    const disjoint = { ...legacy, commitments: [first, { ...first, pins: [OTHER_SPKI] }] }
    expect(() => migrateV0ToV1({ ...disjoint, mac: '0'.repeat(64) })).toThrow(
      expect.objectContaining({
        code: ErrorCode.StoreCorrupt,
        cause: expect.objectContaining({ code: ErrorCode.PinConflict }),
      }),
    )
  })

  it('never loses a latch, and never accepts a key a pinned v0 entry refused (property)', () => {
    const tag = fc.constantFrom('tls11', 'tls12', 'tls-cert', 'tls-dane-tlsa', 'x-old')
    const entry = fc.record({
      service: fc.constantFrom('imap' as const, 'pop3' as const, 'submission' as const),
      host: fc.constantFrom('mail.example.net', 'MAIL.example.net.'),
      port: fc.constantFrom(993, 143),
      transport: fc.constantFrom('implicit-tls' as const, 'starttls' as const),
      tlsFloor: fc.constantFrom('TLSv1.2' as const, 'TLSv1.3' as const),
      latches: fc.array(tag, { maxLength: 5 }),
      pins: fc.subarray([SAMPLE_SPKI, OTHER_SPKI]),
      firstSeen: fc.constant('2025-01-01T00:00:00.000Z'),
    })
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 3 }), (entries) => {
        // Fold the endpoints as merge() does, per service: the stronger transport wins, the same
        // transport on another port is a conflict.
        const conflict = ['imap', 'pop3', 'submission'].some((svc) => {
          let at: { port: number; transport: string } | undefined
          for (const e of entries.filter((x) => x.service === svc)) {
            if (at === undefined || (at.transport === 'starttls' && e.transport === 'implicit-tls')) at = e
            else if (at.transport === e.transport && at.port !== e.port) return true
          }
          // Pin sets only narrow: pinned entries of one service with no key in common cannot be joined.
          const pinned = entries.filter((x) => x.service === svc && x.pins.length > 0)
          return (
            pinned.length > 0 &&
            ![SAMPLE_SPKI, OTHER_SPKI].some((k) => pinned.every((x) => x.pins.includes(k)))
          )
        })
        if (conflict) {
          // Conflicting endpoints for one service cannot be reconciled: the file is refused, not guessed.
          expect(() => migrateV0ToV1({ ...legacy, commitments: entries, mac: '0'.repeat(64) })).toThrow(
            expect.objectContaining({ code: 'MUASTS_ERR_STORE_CORRUPT' }),
          )
          return
        }
        const body = migrateV0ToV1({ ...legacy, commitments: entries, mac: '0'.repeat(64) })
        for (const e of entries) {
          const c = body.commitments[e.service]
          expect(c).toBeDefined()
          for (const t of e.latches) expect(c?.latches).toContain(t)
          const accepted = [...(c?.pins.spki ?? []), ...(c?.pins.backup ?? [])]
          if (e.pins.length > 0) expect(accepted.length).toBeGreaterThan(0)
          if (e.pins.length > 0) for (const k of accepted) expect(e.pins).toContain(k)
          expect(c?.endpoint.transport === 'implicit-tls' || e.transport === 'starttls').toBe(true)
        }
      }),
    )
  })

  it('keeps a migrated commitment at least as strong as a re-migration of the same data', () => {
    const a = migrateV0ToV1({ ...legacy, mac: '0'.repeat(64) }).commitments.imap
    const b = decodeAccountFile(v0File(legacy), fileIdOf('acct_1'), keys).commitments.imap
    if (a === undefined || b === undefined) throw new Error('missing')
    expect(isAtLeast(a, b) && isAtLeast(b, a)).toBe(true)
  })

  it('refuses a v0 file whose MAC does not verify', () => {
    const other = deriveKeys(newMasterKey())
    expect(() => decodeAccountFile(v0File(legacy, other.master), fileIdOf('acct_1'), keys)).toThrow(
      expect.objectContaining({ code: ErrorCode.StoreCorrupt, details: { reason: 'MAC mismatch (v0)' } }),
    )
  })

  it('refuses a v0 file in an unprotected store (v0 was always MACed)', () => {
    expect(() => decodeAccountFile(v0File(legacy), fileIdOf('acct_1'), null)).toThrow(
      expect.objectContaining({ code: ErrorCode.StoreCorrupt }),
    )
  })

  it('refuses a MAC-valid v0 entry that cannot become a v1 commitment', () => {
    const bad = {
      ...legacy,
      commitments: [{ ...(legacy.commitments[0] as StoreFileV0['commitments'][number]), host: 'bad host' }],
    }
    expect(() => decodeAccountFile(v0File(bad), fileIdOf('acct_1'), keys)).toThrow(
      expect.objectContaining({
        code: ErrorCode.StoreCorrupt,
        details: expect.objectContaining({ service: 'imap' }),
      }),
    )
  })

  it('refuses a v0 file that fails the v0 schema', () => {
    const { observedAt: _o, ...missing } = legacy
    const bytes = Buffer.from(JSON.stringify({ ...missing, mac: '0'.repeat(64) }))
    expect(() => decodeAccountFile(bytes, fileIdOf('acct_1'), keys)).toThrow(
      expect.objectContaining({ details: { reason: 'schema validation failed (v0)' } }),
    )
  })
})
