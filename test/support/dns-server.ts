// A real authoritative DNS server on 127.0.0.1 (UDP and TCP on one port, RFC 1035 §4.2) serving a
// declarative zone, for tests that drive the CLI end to end through `--resolver 127.0.0.1:<port>`:
// c-ares (SRV, MX, A, AAAA), setup's DNSSEC query and the DANE resolver all talk to it on the wire.
// It never sets AD, so nothing it says counts as DNSSEC-validated. Every question is logged, so a test
// can assert which lookups reached it. The zone can be swapped between tests.
import { createSocket, type Socket as UdpSocket } from 'node:dgram'
import { createServer, type Server, type Socket } from 'node:net'
import dnsPacket, { type Packet } from 'dns-packet'

export type ZoneRecords = {
  A?: string[]
  AAAA?: string[]
  SRV?: Array<{ priority: number; weight: number; port: number; target: string }>
  MX?: Array<{ preference: number; exchange: string }>
}
/** Owner name (no trailing dot) → records. Names not in it are NXDOMAIN, unless a name below exists. */
export type Zone = Record<string, ZoneRecords>

export type DnsQuestionLog = { readonly name: string; readonly type: string; readonly via: 'udp' | 'tcp' }

export type LoopbackDns = {
  /** `127.0.0.1:<port>`, the form `--resolver` takes. */
  readonly server: string
  readonly port: number
  /** Every question asked, in arrival order. */
  readonly questions: DnsQuestionLog[]
  setZone(zone: Zone): void
  close(): Promise<void>
}

const AA = 0x0400
const RA = 0x0080
const NXDOMAIN = 3
const canonical = (name: string): string => name.toLowerCase().replace(/\.$/, '')

function answersFor(zone: Map<string, ZoneRecords>, name: string, type: string): Packet['answers'] {
  const node = zone.get(name)
  const rr = (data: unknown) => ({ type, name, class: 'IN', ttl: 60, data })
  if (node === undefined) return []
  if (type === 'A') return (node.A ?? []).map(rr)
  if (type === 'AAAA') return (node.AAAA ?? []).map(rr)
  if (type === 'SRV') return (node.SRV ?? []).map(rr)
  if (type === 'MX') return (node.MX ?? []).map(rr)
  return []
}

function respond(zone: Map<string, ZoneRecords>, query: Packet): Buffer {
  const question = query.questions?.[0]
  const name = canonical(question?.name ?? '')
  const exists = zone.has(name) || [...zone.keys()].some((owner) => owner.endsWith(`.${name}`))
  const answers = question === undefined ? [] : answersFor(zone, name, question.type)
  return dnsPacket.encode({
    type: 'response',
    id: query.id ?? 0,
    flags: AA | RA | ((query.flags ?? 0) & 0x0100) | (exists ? 0 : NXDOMAIN),
    questions: query.questions ?? [],
    answers: answers ?? [],
  })
}

function listenTcp(server: Server, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => resolve(true))
  })
}

/** Starts the server on a free loopback port (the same number for UDP and TCP). Does I/O. */
export async function startLoopbackDns(initial: Zone = {}): Promise<LoopbackDns> {
  let zone = new Map<string, ZoneRecords>()
  const setZone = (z: Zone): void => {
    zone = new Map(Object.entries(z).map(([owner, records]) => [canonical(owner), records]))
  }
  setZone(initial)
  const questions: DnsQuestionLog[] = []
  const log = (packet: Packet, via: 'udp' | 'tcp'): void => {
    for (const q of packet.questions ?? []) questions.push({ name: canonical(q.name), type: q.type, via })
  }
  const open = new Set<Socket>()
  for (let attempt = 1; ; attempt++) {
    const udp: UdpSocket = createSocket('udp4')
    await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', () => resolve()))
    const port = udp.address().port
    // RFC 1035 §4.2.2: over TCP each message is preceded by its two-byte length.
    const tcp = createServer((socket) => {
      open.add(socket)
      socket.once('close', () => open.delete(socket))
      socket.on('error', () => socket.destroy())
      let buffered = Buffer.alloc(0)
      socket.on('data', (chunk: Buffer) => {
        buffered = Buffer.concat([buffered, chunk])
        while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
          const message = buffered.subarray(2, 2 + buffered.readUInt16BE(0))
          buffered = buffered.subarray(2 + message.length)
          let query: Packet
          try {
            query = dnsPacket.decode(message)
          } catch {
            socket.destroy()
            return
          }
          log(query, 'tcp')
          const reply = respond(zone, query)
          const length = Buffer.alloc(2)
          length.writeUInt16BE(reply.length)
          socket.write(Buffer.concat([length, reply]))
        }
      })
    })
    if (!(await listenTcp(tcp, port))) {
      udp.close()
      if (attempt < 5) continue
      throw new Error('loopback DNS: no port free for both UDP and TCP')
    }
    udp.on('message', (message, from) => {
      let query: Packet
      try {
        query = dnsPacket.decode(message)
      } catch {
        return
      }
      log(query, 'udp')
      udp.send(respond(zone, query), from.port, from.address)
    })
    return {
      server: `127.0.0.1:${port}`,
      port,
      questions,
      setZone,
      close: async () => {
        for (const socket of open) socket.destroy()
        await new Promise<void>((resolve) => tcp.close(() => resolve()))
        await new Promise<void>((resolve) => udp.close(() => resolve()))
      },
    }
  }
}
