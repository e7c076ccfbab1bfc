// DANE end to end against a real validating resolver: Unbound on loopback serving a zone signed at test
// time (ldns-signzone, anchored by its own KSK) plus an unsigned zone, and real TLS servers presenting a
// self-signed certificate (DANE-EE) and a private-CA chain (DANE-TA). Each of the five outcomes comes
// from what Unbound actually answered, never from a stub.

import { createSocket } from 'node:dgram'
import { once } from 'node:events'
import { connect, createServer, type Server, type TLSSocket } from 'node:tls'
import { isSdkError } from '@mua-sts/core'
import {
  type DaneOutcome,
  daneOutcomeForSocket,
  formatTlsa,
  lookupTlsa,
  prefetchTlsa,
  tlsaRecordFor,
  validatingResolver,
} from '@mua-sts/dane'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { requireOrSkip } from '../support/availability.js'
import { startUnbound, type UnboundHandle, unboundAvailable } from '../support/unbound.js'
import { privateHierarchy, selfSigned, type TestCert } from './support/chains.js'

const ORIGIN = 'example.test'

async function tlsServer(key: string, cert: string): Promise<{ server: Server; port: number }> {
  const server = createServer({ key, cert }, (s) => s.end())
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return { server, port: (server.address() as { port: number }).port }
}

/** Dials with the test's own TLS options: chain validation is the matcher's job under test here. */
async function dial(port: number, servername: string): Promise<TLSSocket> {
  const socket = connect({ host: '127.0.0.1', port, servername, rejectUnauthorized: false })
  await once(socket, 'secureConnect')
  return socket
}

describe.skipIf(!requireOrSkip(unboundAvailable(), 'unbound + ldnsutils'))(
  'TLSA over DNSSEC (real Unbound)',
  () => {
    let unbound: UnboundHandle
    let self: TestCert
    let stranger: TestCert
    let h: Awaited<ReturnType<typeof privateHierarchy>>
    let ee: { server: Server; port: number }
    let ta: { server: Server; port: number }
    let resolver: ReturnType<typeof validatingResolver>

    beforeAll(async () => {
      self = await selfSigned(['mail.example.test'])
      stranger = await selfSigned(['mail.example.test'])
      h = await privateHierarchy(['ta.example.test'])
      ee = await tlsServer(self.key, self.pem)
      ta = await tlsServer(h.leaf.key, h.leaf.pem + h.intermediate.pem + h.root.pem)
      const p = ee.port
      const mine = formatTlsa(tlsaRecordFor(self.der))
      const theirs = formatTlsa(tlsaRecordFor(stranger.der))
      const bigRecords = [stranger, h.root, h.intermediate, self].map(
        (c) => `_${p}._tcp.big IN TLSA ${formatTlsa(tlsaRecordFor(c.der, 3, 0, 0))}`,
      )
      unbound = await startUnbound(
        {
          origin: ORIGIN,
          records: [
            `_${p}._tcp.ee IN TLSA ${mine}`,
            `_${ta.port}._tcp.ta IN TLSA ${formatTlsa(tlsaRecordFor(h.root.der, 2, 0, 1))}`,
            `_${p}._tcp.wrong IN TLSA ${theirs}`,
            `_${p}._tcp.tampered IN TLSA ${theirs}`,
            `_${p}._tcp.roll IN TLSA ${theirs}`,
            `_${p}._tcp.roll IN TLSA ${mine}`,
            `_${p}._tcp.alias IN CNAME _dane.ee.${ORIGIN}.`,
            `_dane.ee IN TLSA ${mine}`,
            'nodane IN A 127.0.0.1',
            ...bigRecords,
          ],
          // After signing, swap the mismatching record for a matching one: exactly the forgery DNSSEC stops.
          tamper: (signed) =>
            signed
              .split('\n')
              .map((line) =>
                line.startsWith(`_${p}._tcp.tampered.`) && /\sTLSA\s/.test(line)
                  ? line.replace(theirs.split(' ')[3] as string, mine.split(' ')[3] as string)
                  : line,
              )
              .join('\n'),
        },
        [{ origin: 'plain.test', records: [`_${p}._tcp.mail IN TLSA ${mine}`] }],
      )
      resolver = validatingResolver({ address: unbound.server })
    })

    afterAll(async () => {
      await unbound?.stop()
      ee?.server.close()
      ta?.server.close()
    })

    async function outcome(host: string, port: number): Promise<DaneOutcome> {
      const tlsa = prefetchTlsa({ host, port }, { resolver })
      const socket = await dial(port, host)
      try {
        return await daneOutcomeForSocket(socket, tlsa.lookup)
      } finally {
        socket.destroy()
      }
    }

    it('validates 3 1 1 for a self-signed server that PKIX alone refuses', async () => {
      const socket = await dial(ee.port, 'ee.example.test')
      expect(socket.authorized).toBe(false) // no CA vouches for it
      socket.destroy()
      expect(await outcome('ee.example.test', ee.port)).toMatchObject({
        status: 'valid',
        tlsaName: `_${ee.port}._tcp.ee.example.test`,
        matched: { usage: 3, selector: 1, matchingType: 1, depth: 0 },
      })
    })

    it('validates 2 0 1 for a private CA and checks the leaf name against the TLSA base', async () => {
      expect(await outcome('ta.example.test', ta.port)).toMatchObject({
        status: 'valid',
        matched: { usage: 2, selector: 0, matchingType: 1, depth: 2 },
      })
    })

    it('is invalid when the secure record does not match the presented key', async () => {
      expect(await outcome('wrong.example.test', ee.port)).toMatchObject({
        status: 'invalid',
        reason: 'no-match',
      })
    })

    it('is dnssec-invalid when a record was altered after signing (Unbound answers SERVFAIL)', async () => {
      expect(await outcome('tampered.example.test', ee.port)).toEqual({
        status: 'dnssec-invalid',
        tlsaName: `_${ee.port}._tcp.tampered.example.test`,
        reason: 'servfail',
      })
      expect(unbound.log()).toMatch(/validation failure/)
    })

    it('is insecure for an unsigned zone, even though its record would match', async () => {
      expect(await outcome('mail.plain.test', ee.port)).toMatchObject({ status: 'insecure' })
    })

    it('is no-records for a secure denial: NODATA and NXDOMAIN', async () => {
      expect(await outcome('nodane.example.test', ee.port)).toMatchObject({ status: 'no-records' })
      expect(await outcome('absent.example.test', ee.port)).toMatchObject({ status: 'no-records' })
    })

    it('passes during a rollover that publishes the new record beside the old one', async () => {
      expect(await outcome('roll.example.test', ee.port)).toMatchObject({ status: 'valid' })
    })

    it('follows a secure CNAME at the TLSA owner name (RFC 7671 §7)', async () => {
      const lookup = await lookupTlsa({ host: 'alias.example.test', port: ee.port }, { resolver })
      expect(lookup).toMatchObject({ status: 'secure', owner: '_dane.ee.example.test' })
      expect(await outcome('alias.example.test', ee.port)).toMatchObject({ status: 'valid' })
    })

    it('retries over TCP when the RRset does not fit in a UDP answer (RFC 7766 §5)', async () => {
      expect(await outcome('big.example.test', ee.port)).toMatchObject({
        status: 'valid',
        matched: { usage: 3, selector: 0, matchingType: 0 },
      })
    })

    it('runs concurrently with the connect: the answer is held until the TLS handshake is done', async () => {
      // A UDP relay in front of Unbound that only releases the answer once our handshake completed. A
      // lookup awaited before dialing would deadlock here and time out.
      let handshakeDone = false
      const relay = await holdingRelay(unbound.port, () => handshakeDone)
      try {
        const held = validatingResolver({ address: `127.0.0.1:${relay.port}`, timeoutMs: 4000 })
        const tlsa = prefetchTlsa({ host: 'ee.example.test', port: ee.port }, { resolver: held })
        const socket = await dial(ee.port, 'ee.example.test')
        handshakeDone = true
        const verdict = daneOutcomeForSocket(socket, tlsa.lookup)
        expect((await verdict).status).toBe('valid')
        socket.destroy()
      } finally {
        relay.close()
      }
    })

    it('is dnssec-invalid, not insecure, when the resolver cannot be reached or does not answer', async () => {
      const silent = createSocket('udp4')
      silent.bind(0, '127.0.0.1')
      await once(silent, 'listening')
      try {
        const port = silent.address().port
        const mute = validatingResolver({ address: `127.0.0.1:${port}`, timeoutMs: 300 })
        expect(
          await lookupTlsa({ host: 'ee.example.test', port: ee.port }, { resolver: mute }),
        ).toMatchObject({
          status: 'dnssec-invalid',
          reason: 'timeout',
        })
      } finally {
        silent.close()
      }
    })

    it('is dnssec-invalid when nothing listens at the resolver address', async () => {
      const closed = createSocket('udp4')
      closed.bind(0, '127.0.0.1')
      await once(closed, 'listening')
      const port = closed.address().port
      closed.close() // the port is now closed: the kernel answers with ICMP port unreachable
      const gone = validatingResolver({ address: `127.0.0.1:${port}`, timeoutMs: 2000 })
      expect(await lookupTlsa({ host: 'ee.example.test', port: ee.port }, { resolver: gone })).toMatchObject({
        status: 'dnssec-invalid',
        reason: 'unreachable',
      })
    })

    it('rejects with MUASTS_ERR_ABORTED when the prefetch is cancelled', async () => {
      const tlsa = prefetchTlsa({ host: 'ee.example.test', port: ee.port }, { resolver })
      tlsa.cancel()
      const error = await tlsa.lookup.then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(isSdkError(error, 'MUASTS_ERR_ABORTED')).toBe(true)
    })
  },
)

/** Forwards each query to Unbound and holds the reply until `release()` is true. */
async function holdingRelay(
  upstream: number,
  release: () => boolean,
): Promise<{ port: number; close(): void }> {
  const socket = createSocket('udp4')
  let closed = false
  socket.on('message', (query, client) => {
    const up = createSocket('udp4')
    up.on('message', (answer) => {
      up.close()
      const send = (): void => {
        if (closed) return
        if (release()) socket.send(answer, client.port, client.address)
        else setTimeout(send, 5)
      }
      send()
    })
    up.send(query, upstream, '127.0.0.1')
  })
  socket.bind(0, '127.0.0.1')
  await once(socket, 'listening')
  return {
    port: socket.address().port,
    close: () => {
      closed = true
      socket.close()
    },
  }
}
