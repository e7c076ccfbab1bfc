import { isSdkError } from '@mua-sts/core'
import { describe, expect, it } from 'vitest'
import { describeReply, parseReplyLine, parseReplyText, takeReply } from './reply.js'

const buf = (s: string): Buffer => Buffer.from(s, 'latin1')
const protocolError = (f: () => unknown): boolean => {
  try {
    f()
    return false
  } catch (e) {
    return isSdkError(e, 'MUASTS_ERR_PROTOCOL')
  }
}

describe('takeReply (RFC 5321 §4.2)', () => {
  it('takes a single-line reply and leaves the rest', () => {
    const t = takeReply(buf('220 mail.example.test ESMTP\r\nEXTRA'))
    expect(t?.reply).toEqual({ code: 220, lines: ['mail.example.test ESMTP'] })
    expect(t?.rest.toString()).toBe('EXTRA')
  })

  it('takes a multi-line reply up to the line with a space after the code', () => {
    const t = takeReply(buf('250-mail.example.test\r\n250-STARTTLS\r\n250 AUTH PLAIN\r\n'))
    expect(t?.reply).toEqual({ code: 250, lines: ['mail.example.test', 'STARTTLS', 'AUTH PLAIN'] })
    expect(t?.rest.length).toBe(0)
  })

  it('accepts a bare code without text', () => {
    expect(takeReply(buf('250\r\n'))?.reply).toEqual({ code: 250, lines: [''] })
  })

  it('waits for more bytes when the reply is incomplete', () => {
    expect(takeReply(buf('250-mail.example.test\r\n250 AUTH'))).toBeUndefined()
    expect(takeReply(buf('22'))).toBeUndefined()
  })

  it.each([
    ['a line without a code', 'hello\r\n'],
    ['a code outside 2xx-5xx', '199 nope\r\n'],
    ['lines with different codes', '250-a\r\n251 b\r\n'],
    ['a bare LF inside a line', '250 a\nb\r\n'],
    ['a NUL in the text', '250 a\0b\r\n'],
  ])('refuses %s', (_what, input) => {
    expect(protocolError(() => takeReply(buf(input)))).toBe(true)
  })

  it('refuses a line longer than the limit even before it is complete', () => {
    expect(protocolError(() => takeReply(buf(`250 ${'x'.repeat(5000)}`)))).toBe(true)
  })

  it('refuses a reply with more lines than the limit', () => {
    const many = `${'250-x\r\n'.repeat(300)}250 end\r\n`
    expect(protocolError(() => takeReply(buf(many)))).toBe(true)
  })
})

describe('parseReplyText (a reply nodemailer framed over TLS)', () => {
  it('parses LF-joined lines', () => {
    expect(parseReplyText('250-mail.example.test\n250-DEEP tls12\n250 AUTH PLAIN')).toEqual({
      code: 250,
      lines: ['mail.example.test', 'DEEP tls12', 'AUTH PLAIN'],
    })
  })

  it('tolerates control characters in text from an authenticated server', () => {
    expect(parseReplyText('250-x\n250 DEEP \u0001').lines).toEqual(['x', 'DEEP \u0001'])
  })

  it.each([
    ['an empty string', ''],
    ['a reply that does not end', '250-a\n250-b'],
    ['two replies', '250 a\n250 b'],
    ['mixed codes', '250-a\n550 b'],
  ])('refuses %s', (_what, input) => {
    expect(protocolError(() => parseReplyText(input))).toBe(true)
  })
})

describe('parseReplyLine and describeReply', () => {
  it('reports continuation lines', () => {
    expect(parseReplyLine('250-PIPELINING')).toEqual({ code: 250, more: true, text: 'PIPELINING' })
  })

  it('summarises a reply as printable text for messages', () => {
    expect(describeReply({ code: 554, lines: ['no \u00e9 service', 'second'] })).toBe('554 no ? service')
  })
})
