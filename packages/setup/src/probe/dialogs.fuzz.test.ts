// The probe dialogs fed arbitrary server bytes (hostile or broken servers): they either finish or
// fail with a ProbeFailure, never with another error, and never write a credential command.
import type { Socket } from 'node:net'
import { PassThrough } from 'node:stream'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Conn } from './conn.js'
import { ProbeFailure } from './failure.js'
import { imapDialog } from './imap-dialog.js'
import { pop3Dialog } from './pop3-dialog.js'
import { smtpDialog } from './smtp-dialog.js'

// A fake socket: what the server "sends" is pushed in, what the probe writes is collected.
function fakeConn(serverBytes: Buffer): { conn: Conn; written: () => string } {
  const stream = new PassThrough()
  const sent: Buffer[] = []
  const socket = Object.assign(stream, {
    write: (chunk: string | Buffer) => {
      sent.push(Buffer.from(chunk))
      return true
    },
  })
  const conn = new Conn(socket as unknown as Socket, new AbortController().signal)
  stream.push(serverBytes)
  stream.push(null)
  return { conn, written: () => Buffer.concat(sent).toString('latin1') }
}

describe('probe dialogs against arbitrary server bytes', () => {
  const serverText = fc
    .array(
      fc.oneof(
        fc.constantFrom(
          '* OK ready',
          '+OK',
          '-ERR no',
          '220 hi',
          '250-x',
          '250 STARTTLS',
          'm1 OK',
          '* PREAUTH',
          '.',
          '554 no',
        ),
        fc.stringMatching(/^[\x00-\x7f]{0,60}$/),
      ),
      { maxLength: 12 },
    )
    .map((lines) => Buffer.from(lines.join('\r\n'), 'latin1'))

  it.each([
    ['IMAP', imapDialog],
    ['POP3', pop3Dialog],
    ['SMTP', smtpDialog],
  ])(
    '%s: greeting + capabilities either succeed or fail with a ProbeFailure, and never send a credential',
    async (_name, dialog) => {
      await fc.assert(
        fc.asyncProperty(serverText, async (bytes) => {
          const { conn, written } = fakeConn(bytes)
          try {
            await dialog.greeting(conn, 'plain')
            await dialog.capabilities(conn, 'plain')
          } catch (error) {
            expect(error).toBeInstanceOf(ProbeFailure)
          }
          expect(written()).not.toMatch(/LOGIN|AUTH|USER|PASS|APOP/i)
        }),
        { numRuns: 300 },
      )
    },
  )
})
