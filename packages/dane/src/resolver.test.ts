import { isSdkError } from '@mua-sts/core'
import { describe, expect, it } from 'vitest'
import { isLoopback, parseResolverAddress, tlsaQueryName, validatingResolver } from './resolver.js'

describe('validatingResolver()', () => {
  it('defaults to 127.0.0.1:53 with a 5 s deadline', () => {
    expect(validatingResolver()).toEqual({ address: { host: '127.0.0.1', port: 53 }, timeoutMs: 5000 })
    expect(validatingResolver({ address: '[::1]:5353', timeoutMs: 800 })).toEqual({
      address: { host: '::1', port: 5353 },
      timeoutMs: 800,
    })
  })

  it.each([
    '192.0.2.53',
    '8.8.8.8:53',
    '[2001:db8::1]:53',
    '::ffff:127.0.0.1',
    'localhost',
    'dns.example',
    '127.0.0.1:0',
    '127.0.0.1:99999',
  ])('refuses %s: the AD bit is only trusted from loopback', (address) => {
    let error: unknown
    try {
      validatingResolver({ address })
    } catch (e) {
      error = e
    }
    expect(isSdkError(error, 'MUASTS_ERR_INVALID_OPTION')).toBe(true)
  })

  it('refuses unknown options rather than ignoring them', () => {
    expect(() => validatingResolver({ address: '127.0.0.1', trustAd: true } as never)).toThrow(/options/)
  })
})

describe('isLoopback() / parseResolverAddress()', () => {
  it('knows every spelling of loopback and nothing else', () => {
    expect(['127.0.0.1', '127.255.0.9', '::1', '0:0:0:0:0:0:0:1'].every(isLoopback)).toBe(true)
    expect(['128.0.0.1', '::2', '::', '10.0.0.1', 'x'].some(isLoopback)).toBe(false)
    expect(parseResolverAddress('[::1]')).toEqual({ host: '::1', port: 53 })
    expect(parseResolverAddress('1.2.3')).toBeUndefined()
  })
})

describe('tlsaQueryName() (RFC 6698 §3)', () => {
  it('prefixes port and protocol, lower-cased, without the root dot', () => {
    expect(tlsaQueryName({ host: 'Mail.Example.TEST.', port: 993 })).toBe('_993._tcp.mail.example.test')
    expect(tlsaQueryName({ host: 'smtp.example.test', port: 465 })).toBe('_465._tcp.smtp.example.test')
  })

  it.each([
    ['127.0.0.1', 993],
    ['localhost', 993],
    ['-bad.example', 993],
    ['a..example', 993],
    ['mail.example.test', 0],
    ['mail.example.test', 70000],
    ['_993._tcp.example', 993],
  ])('refuses host %s port %d', (host, port) => {
    expect(() => tlsaQueryName({ host, port })).toThrow(/TLSA base options/)
  })
})
