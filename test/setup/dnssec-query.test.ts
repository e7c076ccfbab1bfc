// The raw validating-resolver client against a scripted UDP server: what it asks (RD, AD, EDNS DO)
// and which answers it refuses to believe.
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram'
import dnsPacket, { type Packet } from 'dns-packet'
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { queryValidated } from '../../packages/setup/src/discover/dnssec-query.js'
import { freePort } from '../support/ports.js'

type Script = (query: Packet, reply: (packet: Packet | Buffer) => void) => void

const sockets: Socket[] = []
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.close()
})

async function fakeResolver(script: Script): Promise<{ host: string; port: number; queries: Packet[] }> {
  const socket = createSocket('udp4')
  sockets.push(socket)
  const queries: Packet[] = []
  socket.on('message', (message: Buffer, peer: RemoteInfo) => {
    const query = dnsPacket.decode(message)
    queries.push(query)
    script(query, (packet) => {
      socket.send(Buffer.isBuffer(packet) ? packet : dnsPacket.encode(packet), peer.port, peer.address)
    })
  })
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve))
  return { host: '127.0.0.1', port: socket.address().port, queries }
}

const NAME = '_imaps._tcp.example.test'
const AD = dnsPacket.AUTHENTIC_DATA
const answer = (query: Packet, over: Partial<Packet> = {}): Packet => ({
  type: 'response',
  id: query.id ?? 0,
  flags: AD | dnsPacket.RECURSION_DESIRED,
  questions: query.questions ?? [],
  answers: [
    {
      type: 'SRV',
      name: NAME,
      ttl: 60,
      data: { priority: 0, weight: 1, port: 993, target: 'mail.example.test' },
    },
  ],
  ...over,
})

describe('queryValidated', () => {
  it('asks with RD and AD set and an EDNS0 OPT record carrying the DO bit', async () => {
    const server = await fakeResolver((q, reply) => reply(answer(q)))
    await queryValidated(server, NAME, 'SRV', AbortSignal.timeout(5000))
    const [query] = server.queries
    expect(query?.flag_rd).toBe(true)
    expect(query?.flag_ad).toBe(true)
    const opt = query?.additionals?.find((r) => r.type === 'OPT')
    expect(opt?.flag_do).toBe(true)
    expect(query?.questions).toEqual([{ type: 'SRV', name: NAME, class: 'IN' }])
  })

  it('returns the AD bit and only the records for the asked name and type', async () => {
    const server = await fakeResolver((q, reply) =>
      reply(
        answer(q, {
          answers: [
            ...(answer(q).answers ?? []),
            {
              type: 'SRV',
              name: 'other.example.test',
              data: { priority: 0, weight: 0, port: 1, target: 'x.test' },
            },
            { type: 'A', name: NAME, data: '127.0.0.1' },
          ],
        }),
      ),
    )
    const result = await queryValidated(server, NAME, 'SRV', AbortSignal.timeout(5000))
    expect(result).toEqual({
      rcode: 'NOERROR',
      ad: true,
      records: [{ priority: 0, weight: 1, port: 993, target: 'mail.example.test' }],
    })
  })

  it('ignores answers with the wrong id, the wrong question or garbage, and takes the real one', async () => {
    const server = await fakeResolver((q, reply) => {
      reply(Buffer.from('not dns at all'))
      reply(answer(q, { id: ((q.id ?? 0) + 1) & 0xffff, answers: [] }))
      reply(answer(q, { questions: [{ type: 'SRV', name: 'evil.test', class: 'IN' }], answers: [] }))
      reply(answer(q))
    })
    const result = await queryValidated(server, NAME, 'SRV', AbortSignal.timeout(5000))
    expect(result.records).toHaveLength(1)
  })

  it('refuses a truncated answer with dnssec_truncated instead of using a partial set', async () => {
    const server = await fakeResolver((q, reply) =>
      reply(answer(q, { flags: AD | dnsPacket.TRUNCATED_RESPONSE })),
    )
    await expect(queryValidated(server, NAME, 'SRV', AbortSignal.timeout(5000))).rejects.toMatchObject({
      code: 'dnssec_truncated',
    })
  })

  it('rejects with the signal reason when nobody answers', async () => {
    const server = await fakeResolver(() => {})
    const controller = new AbortController()
    const pending = queryValidated(server, NAME, 'SRV', controller.signal)
    controller.abort(new Error('stop'))
    await expect(pending).rejects.toThrow('stop')
  })

  it('reports an unreachable resolver as dnssec_unreachable', async () => {
    const port = await freePort() // TCP-free is a good enough hint that nothing listens on UDP either
    await expect(
      queryValidated({ host: '127.0.0.1', port }, NAME, 'SRV', AbortSignal.timeout(5000)),
    ).rejects.toMatchObject({
      code: 'dnssec_unreachable',
    })
  })

  it('treats arbitrary datagrams as noise, never as an answer or a crash', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), async (bytes) => {
        const server = await fakeResolver((q, reply) => {
          reply(Buffer.from(bytes))
          reply(answer(q))
        })
        const result = await queryValidated(server, NAME, 'SRV', AbortSignal.timeout(5000))
        expect(result.rcode).toBe('NOERROR')
      }),
      { numRuns: 50 },
    )
  })
})
