// A validating resolver stand-in on 127.0.0.1 that holds every TLSA answer until the test releases it
// (#15 item 1: the guards must not wait for the TLSA answer before they dial). It answers with the AD
// bit set, as a validating resolver does for a secure zone (RFC 4035 §3.2.3), and logs every question.
// Only for tests that are about *when* the answer arrives: real DNSSEC is tested against Unbound.
import { createSocket } from 'node:dgram'
import { once } from 'node:events'
import type { TlsaRecord } from '@mua-sts/dane'
import dnsPacket, { type Packet } from 'dns-packet'

// RFC 1035 §4.1.1: RA (recursion available); dns-packet names RD and AD but not RA.
const RECURSION_AVAILABLE = 0x0080

export type HeldResolver = {
  /** `127.0.0.1:<port>`, the form GuardOptions `dane.address` takes. */
  readonly address: string
  /** Names asked, in arrival order. */
  readonly questions: string[]
  /** Answers sent so far. */
  readonly answered: number
  /** Sends the held answers, and answers every later question at once. */
  release(): void
  close(): Promise<void>
}

/** Starts the resolver; every TLSA question gets `records`, once released. Does I/O. */
export async function startHeldResolver(records: readonly TlsaRecord[]): Promise<HeldResolver> {
  const socket = createSocket('udp4')
  const questions: string[] = []
  const held: Array<() => void> = []
  let released = false
  let answered = 0
  socket.on('message', (message, peer) => {
    let query: Packet
    try {
      query = dnsPacket.decode(message)
    } catch {
      return
    }
    const question = query.questions?.[0]
    if (question === undefined) return
    questions.push(question.name)
    const answer = (): void => {
      const response = dnsPacket.encode({
        type: 'response',
        id: query.id ?? 0,
        flags: dnsPacket.RECURSION_DESIRED | RECURSION_AVAILABLE | dnsPacket.AUTHENTIC_DATA,
        questions: [question],
        answers:
          question.type === 'TLSA'
            ? records.map((r) => ({
                type: 'TLSA' as const,
                name: question.name,
                ttl: 300,
                data: {
                  usage: r.usage,
                  selector: r.selector,
                  matchingType: r.matchingType,
                  certificate: Buffer.from(r.data),
                },
              }))
            : [],
      })
      answered++
      socket.send(response, peer.port, peer.address)
    }
    if (released) answer()
    else held.push(answer)
  })
  socket.bind(0, '127.0.0.1')
  await once(socket, 'listening')
  return {
    address: `127.0.0.1:${socket.address().port}`,
    questions,
    get answered() {
      return answered
    },
    release() {
      released = true
      for (const answer of held.splice(0)) answer()
    },
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  }
}
