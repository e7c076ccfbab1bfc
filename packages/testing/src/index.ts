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
  type ByteLogEntry,
  DEFAULT_CAPA_AFTER_TLS,
  DEFAULT_CAPA_BEFORE_TLS,
  FAKE_PASS as FAKE_POP3_PASS,
  FAKE_TOKEN as FAKE_POP3_TOKEN,
  type FakeAccount,
  type FakeCommand,
  type FakeMessage,
  type FakePop3Script,
  type FakePop3Server,
  type FakeReply,
  startFakePop3,
} from './pop3-server.js'
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
