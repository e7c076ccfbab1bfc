// Minimal typings for dns-packet 5.6.1 (the package ships none, and @types/dns-packet is not a
// dependency). Only what dnssec-query.ts and its tests use; decoded data is re-validated with zod anyway.
declare module 'dns-packet' {
  export interface Question {
    type: string
    name: string
    class?: string
  }
  export interface Record {
    type: string
    name: string
    class?: string
    ttl?: number
    data?: unknown
    flags?: number
    /** OPT pseudo-records: the EDNS DO bit, decoded. */
    flag_do?: boolean
    udpPayloadSize?: number
  }
  export interface Packet {
    type?: 'query' | 'response'
    id?: number
    flags?: number
    rcode?: string
    flag_qr?: boolean
    flag_rd?: boolean
    flag_tc?: boolean
    flag_ad?: boolean
    questions?: Question[]
    answers?: Record[]
    authorities?: Record[]
    additionals?: Record[]
  }
  export const RECURSION_DESIRED: number
  export const TRUNCATED_RESPONSE: number
  export const AUTHENTIC_DATA: number
  export const DNSSEC_OK: number
  export function encode(packet: Packet): Buffer
  export function decode(buffer: Buffer): Packet
  const dnsPacket: {
    RECURSION_DESIRED: number
    TRUNCATED_RESPONSE: number
    AUTHENTIC_DATA: number
    DNSSEC_OK: number
    encode: typeof encode
    decode: typeof decode
  }
  export default dnsPacket
}
