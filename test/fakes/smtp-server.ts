// Moved to @mua-sts/testing; kept so existing test imports keep working.
export {
  type ClientCommand,
  type ConnectionRecord,
  type Delivered,
  FAKE_DOMAIN,
  type FakeSmtpScript,
  FakeSmtpServer,
  type Login,
  type Phase,
  type WireChunk,
} from '@mua-sts/testing'
