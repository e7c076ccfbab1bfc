// Moved to @mua-sts/testing; kept so existing test imports keep working.
export {
  FAKE_PASS,
  FAKE_USER,
  type FakeImapScript,
  type FakeImapServer,
  type ImapCommand,
  type Phase,
  type ReceivedChunk,
  startFakeImap,
} from '@mua-sts/testing'
