/// <reference path="./dns-packet.d.ts" />
// A raw DNS client for one job: ask a validating resolver the app trusts, and read its AD bit.
// node:dns (c-ares) neither sets the DO bit nor exposes AD, so DNSSEC status is invisible to it.
//
// RFC 4035 §3.2.3 / RFC 6840 §5.7: a stub may set AD in a query to ask for the AD bit in the answer,
// and RFC 4035 §4.9.3 says a stub should only believe AD from a resolver it trusts over a secure
// channel — hence the loopback-only default in the options schema. EDNS0 (RFC 6891) with DO set
// (RFC 3225) makes the resolver do DNSSEC processing for us.
import { randomInt } from 'node:crypto'
import { createSocket } from 'node:dgram'
import { isIPv6 } from 'node:net'
import dnsPacket, { type Packet } from 'dns-packet'
import { IssueCode, SourceFailure } from './errors.js'

export type DnssecServer = { readonly host: string; readonly port: number }

export type ValidatedAnswer = {
  /** RCODE name as dns-packet spells it: NOERROR, NXDOMAIN, SERVFAIL, … */
  readonly rcode: string
  /** The resolver's AD bit: every record in the answer was DNSSEC-validated. */
  readonly ad: boolean
  /** Answer records of the asked type whose owner is the asked name (RRSIGs etc. filtered out). */
  readonly records: readonly unknown[]
}

/** Parses `host:port`, `[v6]:port` or a bare address (port 53). Returns undefined when malformed. */
export function parseDnssecServer(text: string): DnssecServer | undefined {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([0-9.]+))(?::([0-9]{1,5}))?$/.exec(text)
  if (match === null) return undefined
  const host = match[1] ?? match[2] ?? ''
  const port = match[3] === undefined ? 53 : Number(match[3])
  if (port < 1 || port > 65535) return undefined
  return { host, port }
}

// RFC 6891 §6.2.5 and the DNS Flag Day 2020 recommendation: 1232 avoids IP fragmentation.
const UDP_PAYLOAD = 1232

const sameName = (a: string, b: string): boolean =>
  a.replace(/\.$/, '').toLowerCase() === b.replace(/\.$/, '').toLowerCase()

function matchesQuery(packet: Packet, id: number, name: string, type: string): boolean {
  const question = packet.questions?.[0]
  return (
    packet.type === 'response' &&
    packet.id === id &&
    packet.questions?.length === 1 &&
    question !== undefined &&
    question.type === type &&
    sameName(question.name, name)
  )
}

/**
 * Sends one query over UDP to `server` and resolves with the RCODE, AD bit and matching records.
 * Does I/O. Rejects with `SourceFailure` (`dnssec_truncated`, `dnssec_unreachable`) or with
 * `signal.reason` on abort. Responses with a wrong id, question or source are ignored, not trusted.
 */
export function queryValidated(
  server: DnssecServer,
  name: string,
  type: 'SRV' | 'MX',
  signal: AbortSignal,
): Promise<ValidatedAnswer> {
  if (signal.aborted) return Promise.reject(signal.reason)
  const id = randomInt(0, 0x10000)
  const query = dnsPacket.encode({
    type: 'query',
    id,
    flags: dnsPacket.RECURSION_DESIRED | dnsPacket.AUTHENTIC_DATA,
    questions: [{ type, name, class: 'IN' }],
    additionals: [{ type: 'OPT', name: '.', udpPayloadSize: UDP_PAYLOAD, flags: dnsPacket.DNSSEC_OK }],
  })
  const socket = createSocket(isIPv6(server.host) ? 'udp6' : 'udp4')
  return new Promise<ValidatedAnswer>((resolve, reject) => {
    let done = false
    const finish = (settle: () => void): void => {
      if (done) return
      done = true
      signal.removeEventListener('abort', onAbort)
      socket.close()
      settle()
    }
    const onAbort = (): void => finish(() => reject(signal.reason))
    signal.addEventListener('abort', onAbort, { once: true })
    socket.on('error', (error) =>
      finish(() =>
        reject(
          new SourceFailure(IssueCode.DnssecUnreachable, `${server.host}:${server.port}: ${error.message}`),
        ),
      ),
    )
    socket.on('message', (message) => {
      let packet: Packet
      try {
        packet = dnsPacket.decode(message)
      } catch {
        return // garbage on our port is not an answer; keep waiting until the deadline
      }
      if (!matchesQuery(packet, id, name, type)) return
      if (packet.flag_tc === true) {
        // No TCP fallback: SRV sets for mail fit in 1232 bytes; a truncated answer is refused, not guessed.
        finish(() =>
          reject(new SourceFailure(IssueCode.DnssecTruncated, `${name}: truncated answer (TC bit)`)),
        )
        return
      }
      const records = (packet.answers ?? [])
        .filter((r) => r.type === type && sameName(r.name, name))
        .map((r) => r.data)
      finish(() => resolve({ rcode: packet.rcode ?? 'RCODE_UNKNOWN', ad: packet.flag_ad === true, records }))
    })
    // connect() makes the kernel drop datagrams from any other source address and port.
    socket.connect(server.port, server.host, () => socket.send(query))
  })
}
