// @mua-sts/testing: in-process adversarial mail servers, a declarative DNS fake and an on-the-spot
// PKI — for mua-sts's own tests, the demo, and apps that want to test their integration against the
// same attacks. Servers bind 127.0.0.1 only. Not for production use.
export { type DnsCall, DnsZone, dnsZone, srv, type ZoneData, type ZoneNode } from './dns-zone.js'
export {
  FAKE_PASS,
  FAKE_USER,
  type FakeImapScript,
  type FakeImapServer,
  type ImapCommand,
  type ReceivedChunk,
  startFakeImap,
} from './imap-server.js'
export type { Phase } from './phase.js'
export { generatePki, type Pki, type PkiLeaf, spkiOfPem } from './pki.js'
export {
  type ClientCommand,
  type ConnectionRecord,
  type Delivered,
  FAKE_DOMAIN,
  type FakeSmtpScript,
  FakeSmtpServer,
  type Login,
  type WireChunk,
} from './smtp-server.js'
