// Moved to @mua-sts/testing; kept so existing test imports keep working.
export { type DnsCall, DnsZone, dnsZone, srv, type ZoneData, type ZoneNode } from '@mua-sts/testing'
