import { isSdkError } from '@mua-sts/core'
import { describe, expect, it } from 'vitest'
import { authenticate, type CommandReply, chooseMechanism } from './sasl.js'

/** A scripted server: answers each command with the next reply and records the commands. */
function scripted(replies: CommandReply[]) {
  const sent: string[] = []
  return {
    sent,
    send: async (line: string): Promise<CommandReply> => {
      sent.push(line)
      const r = replies.shift()
      if (r === undefined) throw new Error(`unexpected command ${line}`)
      return r
    },
  }
}
const b64 = (s: string) => Buffer.from(s).toString('base64')
const password = { user: 'alice', pass: 'pa ss' }
const token = { user: 'alice', accessToken: 'ya29.t' }

describe('chooseMechanism', () => {
  it('prefers PLAIN, then LOGIN, for passwords and never picks CRAM-MD5', () => {
    expect(chooseMechanism(['LOGIN', 'PLAIN'], password)).toBe('PLAIN')
    expect(chooseMechanism(['LOGIN'], password)).toBe('LOGIN')
    expect(chooseMechanism(['CRAM-MD5'], password)).toBeUndefined()
  })

  it('uses XOAUTH2 for tokens and nothing else', () => {
    expect(chooseMechanism(['PLAIN', 'XOAUTH2'], token)).toBe('XOAUTH2')
    expect(chooseMechanism(['PLAIN'], token)).toBeUndefined()
  })
})

describe('authenticate', () => {
  it('sends AUTH PLAIN with an initial response (RFC 4616)', async () => {
    const s = scripted([{ status: 235, text: 'ok' }])
    await authenticate(s.send, 'PLAIN', password)
    expect(s.sent).toEqual([`AUTH PLAIN ${b64('\0alice\0pa ss')}`])
  })

  it('runs the AUTH LOGIN exchange', async () => {
    const s = scripted([
      { status: 334, text: 'VXNlcm5hbWU6' },
      { status: 334, text: 'UGFzc3dvcmQ6' },
      { status: 235, text: 'ok' },
    ])
    await authenticate(s.send, 'LOGIN', password)
    expect(s.sent).toEqual(['AUTH LOGIN', b64('alice'), b64('pa ss')])
  })

  it('sends the XOAUTH2 initial response and answers an error challenge with an empty line', async () => {
    const s = scripted([
      { status: 334, text: b64('{"status":"401"}') },
      { status: 535, text: 'denied' },
    ])
    const error = await authenticate(s.send, 'XOAUTH2', token).catch((e: unknown) => e)
    expect(s.sent).toEqual([`AUTH XOAUTH2 ${b64('user=alice\x01auth=Bearer ya29.t\x01\x01')}`, ''])
    expect(isSdkError(error, 'MUASTS_ERR_AUTH_FAILED')).toBe(true)
  })

  it('maps a 535 to MUASTS_ERR_AUTH_FAILED with the codes only, never echoed server text', async () => {
    const s = scripted([{ status: 535, text: '5.7.8 Authentication failed for alice@example.com pa ss' }])
    const error = (await authenticate(s.send, 'PLAIN', password).catch((e: unknown) => e)) as Error
    expect(isSdkError(error, 'MUASTS_ERR_AUTH_FAILED')).toBe(true)
    expect(error.message).toBe(
      'The SMTP server rejected the login (535 5.7.8). Check the username and password (or the access token).',
    )
    expect(error.message).not.toMatch(/pa ss|alice/)
  })

  it('does not send the password when AUTH LOGIN is refused at the user name', async () => {
    const s = scripted([
      { status: 334, text: 'VXNlcm5hbWU6' },
      { status: 535, text: 'no' },
    ])
    await authenticate(s.send, 'LOGIN', password).catch(() => undefined)
    expect(s.sent).toEqual(['AUTH LOGIN', b64('alice')])
  })

  it('treats a stray 334 at the end as a protocol error', async () => {
    const s = scripted([{ status: 334, text: '' }])
    const error = await authenticate(s.send, 'PLAIN', password).catch((e: unknown) => e)
    expect(isSdkError(error, 'MUASTS_ERR_PROTOCOL')).toBe(true)
  })
})
