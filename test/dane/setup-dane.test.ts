// Setup and DANE (#15 item 5): the probe looks up each candidate's TLSA records through the app's
// resolver, a matching server is labelled DANE-validated, and propose() offers a DANE requirement
// only when the app's guards can check it.
import { X509Certificate } from 'node:crypto'
import { formatTlsa, tlsaRecordFor } from '@mua-sts/dane'
import { type Discovery, probe, propose } from '@mua-sts/setup'
import { type FakeImapServer, startFakeImap } from '@mua-sts/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { candidate, loopbackLookup } from '../setup-probe/fakes.js'
import { requireOrSkip } from '../support/availability.js'
import { testPki } from '../support/certs.js'
import { startUnbound, type UnboundHandle, unboundAvailable } from '../support/unbound.js'

const pki = testPki()

describe.skipIf(!requireOrSkip(unboundAvailable(), 'unbound + ldnsutils'))(
  'setup with DANE (real Unbound)',
  () => {
    let unbound: UnboundHandle
    let server: FakeImapServer

    beforeAll(async () => {
      server = await startFakeImap({ mode: 'implicit', leaf: pki.good })
      const record = formatTlsa(tlsaRecordFor(new Uint8Array(new X509Certificate(pki.good.cert).raw)))
      unbound = await startUnbound({
        origin: 'example.test',
        records: [`_${server.port}._tcp.mail IN TLSA ${record}`],
      })
    })

    afterAll(async () => {
      await unbound?.stop()
      await server?.close()
    })

    const discovery = (host: string): Discovery => ({
      domain: 'example.test',
      candidates: [candidate({ port: server.port, host })],
      notOffered: [],
      errors: [],
      diagnostics: [],
    })

    async function run(host: string, withResolver: boolean, daneResolver: boolean) {
      const d = discovery(host)
      const results = await probe(d.candidates, {
        trust: { ca: pki.caCert },
        lookup: loopbackLookup,
        ...(withResolver ? { dane: { address: unbound.server } } : {}),
      })
      return {
        results,
        proposal: propose(d, results, { account: 'acct_dane', now: new Date(), daneResolver }),
      }
    }

    it('labels a server with matching TLSA records DANE-validated and offers the requirement', async () => {
      const { results, proposal } = await run('mail.example.test', true, true)
      expect(results[0]?.observation?.dane).toEqual({ status: 'valid' })
      const imap = proposal.services.find((s) => s.service === 'imap')
      expect(imap?.daneValidated).toBe(true)
      expect(imap?.commitment.latches).toContain('tls-dane-tlsa')
      expect(imap?.commitment.provenance['latch:tls-dane-tlsa']?.source).toBe('setup')
      expect(imap?.reasons.join('\n')).toMatch(/DANE-validated.*forget ceremony/s)
    })

    it('explains but does not require DANE when the guards have no validating resolver', async () => {
      const { proposal } = await run('mail.example.test', true, false)
      const imap = proposal.services.find((s) => s.service === 'imap')
      expect(imap?.daneValidated).toBe(true)
      expect(imap?.commitment.latches).not.toContain('tls-dane-tlsa')
      expect(imap?.reasons.join('\n')).toMatch(/DANE is not required/)
    })

    it('neither labels nor requires DANE without records (secure denial) or without a resolver', async () => {
      for (const [host, withResolver] of [
        ['other.example.test', true],
        ['mail.example.test', false],
      ] as const) {
        const { results, proposal } = await run(host, withResolver, true)
        expect(results[0]?.observation?.dane).toEqual(withResolver ? { status: 'no-records' } : undefined)
        const imap = proposal.services.find((s) => s.service === 'imap')
        expect(imap?.daneValidated).toBeUndefined()
        expect(imap?.commitment.latches).not.toContain('tls-dane-tlsa')
      }
    })
  },
)
