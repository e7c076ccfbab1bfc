// The demo's little internet: a fresh PKI, honest IMAP/POP3/submission servers for both transports,
// an on-path relay in front of each (the endpoints accounts get pinned to), and DNS for example.test
// whose RFC 6186 SRV records point at those relays. Everything listens on 127.0.0.1 only.
import type { LookupFunction } from 'node:net'
import type { Service, Transport } from '@mua-sts/core'
import type { DnsZone, Pki } from '@mua-sts/testing'
import { loadTesting } from './load-testing.js'
import { OnPathRelay } from './on-path.js'
import type { DemoServer, ProtocolDemo } from './scenario.js'

export const DOMAIN = 'example.test'
export const MAIL_HOST = `mail.${DOMAIN}`

export type Endpoint = { readonly honest: DemoServer; readonly relay: OnPathRelay }
export type World = {
  readonly pki: Pki
  readonly zone: DnsZone
  /** Resolves every *.example.test name to 127.0.0.1 (the demo's stand-in for DNS A records). */
  readonly lookup: LookupFunction
  endpoint(service: Service, transport: Transport): Endpoint
  close(): Promise<void>
}

const SRV_LABELS: Record<Service, Record<Transport, string>> = {
  imap: { 'implicit-tls': '_imaps._tcp', starttls: '_imap._tcp' },
  pop3: { 'implicit-tls': '_pop3s._tcp', starttls: '_pop3._tcp' },
  submission: { 'implicit-tls': '_submissions._tcp', starttls: '_submission._tcp' },
}

export const demoLookup = ((
  hostname: string,
  options: { all?: boolean },
  cb: (...args: unknown[]) => void,
) => {
  if (hostname !== DOMAIN && !hostname.endsWith(`.${DOMAIN}`)) {
    cb(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }))
  } else if (options.all === true) cb(null, [{ address: '127.0.0.1', family: 4 }])
  else cb(null, '127.0.0.1', 4)
}) as unknown as LookupFunction

export async function startWorld(protocols: readonly ProtocolDemo[]): Promise<World> {
  const { dnsZone, generatePki, srv } = await loadTesting()
  const pki = await generatePki()
  const endpoints = new Map<string, Endpoint>()
  const records: Record<string, { SRV: ReturnType<typeof srv>[] }> = {}
  for (const p of protocols) {
    for (const transport of ['implicit-tls', 'starttls'] as const) {
      const honest = await p.startHonest(pki, transport)
      const relay = await OnPathRelay.start(honest.port)
      endpoints.set(`${p.service}/${transport}`, { honest, relay })
      records[`${SRV_LABELS[p.service][transport]}.${DOMAIN}`] = { SRV: [srv(0, 1, relay.port, MAIL_HOST)] }
    }
  }
  return {
    pki,
    zone: dnsZone(records),
    lookup: demoLookup,
    endpoint(service, transport) {
      const e = endpoints.get(`${service}/${transport}`)
      if (e === undefined) throw new Error(`no demo endpoint for ${service}/${transport}`)
      return e
    },
    async close() {
      for (const e of endpoints.values()) {
        await e.relay.close()
        await e.honest.close()
      }
    },
  }
}
