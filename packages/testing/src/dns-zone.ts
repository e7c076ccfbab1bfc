// Declarative DNS fake implementing discovery's resolver interface (after mailauth's dns-zone
// helper). It answers like node:dns does: NXDOMAIN → ENOTFOUND, NODATA → ENODATA, and a name that
// only has records below it (an empty non-terminal, RFC 8020) is NODATA, not NXDOMAIN. Every call
// is logged so tests can assert which names were asked.
import type { MxRecord, SrvRecord } from 'node:dns'

export type ZoneNode = {
  SRV?: SrvRecord[]
  MX?: MxRecord[]
  /** Make every query for this name fail with a node:dns code, or never answer. */
  fail?: 'ESERVFAIL' | 'ETIMEOUT' | 'EREFUSED' | 'hang'
}
export type ZoneData = Record<string, ZoneNode>

export type DnsCall = { readonly method: 'resolveSrv' | 'resolveMx'; readonly name: string }

const canonical = (name: string): string => name.toLowerCase().replace(/\.$/, '')

function nodeError(code: string, syscall: string, name: string): Error {
  // Same shape as node:dns rejections: message, code, syscall and hostname.
  return Object.assign(new Error(`${syscall} ${code} ${name}`), { code, syscall, hostname: name })
}

export class DnsZone {
  readonly calls: DnsCall[] = []
  readonly #zone: Map<string, ZoneNode>

  constructor(zone: ZoneData) {
    this.#zone = new Map(Object.entries(zone).map(([name, node]) => [canonical(name), node]))
  }

  resolveSrv(name: string): Promise<SrvRecord[]> {
    return this.#answer('resolveSrv', 'querySrv', name, (node) => node.SRV)
  }

  resolveMx(name: string): Promise<MxRecord[]> {
    return this.#answer('resolveMx', 'queryMx', name, (node) => node.MX)
  }

  #exists(name: string): boolean {
    if (this.#zone.has(name)) return true
    for (const owner of this.#zone.keys()) if (owner.endsWith(`.${name}`)) return true
    return false
  }

  #answer<T>(
    method: DnsCall['method'],
    syscall: string,
    rawName: string,
    pick: (node: ZoneNode) => T[] | undefined,
  ): Promise<T[]> {
    this.calls.push({ method, name: rawName })
    const name = canonical(rawName)
    const node = this.#zone.get(name)
    if (node?.fail === 'hang') return new Promise<T[]>(() => {})
    if (node?.fail !== undefined) return Promise.reject(nodeError(node.fail, syscall, rawName))
    if (!this.#exists(name)) return Promise.reject(nodeError('ENOTFOUND', syscall, rawName))
    const records = node === undefined ? undefined : pick(node)
    if (records === undefined || records.length === 0)
      return Promise.reject(nodeError('ENODATA', syscall, rawName))
    return Promise.resolve(records.map((record) => ({ ...record })))
  }
}

/** Shorthand: `dnsZone({ '_imaps._tcp.example.test': { SRV: [...] } })`. */
export function dnsZone(zone: ZoneData): DnsZone {
  return new DnsZone(zone)
}

/** An SRV record in node's shape; `target` '.' becomes the empty name node reports for the root. */
export function srv(priority: number, weight: number, port: number, target: string): SrvRecord {
  return { priority, weight, port, name: target === '.' ? '' : target }
}
