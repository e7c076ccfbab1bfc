// fast-check arbitraries for hostile POP3 server replies, shared by the client's and the guard's
// property tests: well-formed replies that reach deep states, plus garbage, NUL-laden bytes and
// over-long lines.
import fc from 'fast-check'

export const VALID_CAPA_WITH_STLS = '+OK\r\nSTLS\r\nUSER\r\nSASL PLAIN\r\n.\r\n'

export const pop3Reply: fc.Arbitrary<string | Buffer> = fc.oneof(
  fc.constantFrom(
    '+OK ready\r\n',
    '+OK\r\n',
    '-ERR no\r\n',
    VALID_CAPA_WITH_STLS,
    '+OK\r\nUSER\r\nDEEP tls12 tls-cert <https://status.example.test/x>\r\n.\r\n',
    '+OK begin TLS\r\n',
    '+OK begin TLS\r\n+OK injected\r\n',
    '.\r\n',
    '+ \r\n',
    '+OK 1 2\r\n',
    '+OK\r\n..x\r\n.\r\n',
    '+OK\n',
    '\r\n',
  ),
  fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a)),
  fc.string({ maxLength: 20 }).map((s) => `+OK ${s}\r\n`),
  fc.constant(`+OK ${'x'.repeat(600)}\r\n`),
)
