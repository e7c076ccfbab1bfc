import { describe, expect, it } from 'vitest'
import { isLoopback, parseDiscoverOptions } from './options.js'

const invalid = (message: RegExp) =>
  expect.objectContaining({ code: 'MUASTS_ERR_INVALID_OPTION', message: expect.stringMatching(message) })

describe('parseDiscoverOptions', () => {
  it('fills defaults: 5 s per source, no address sent, no plain HTTP, every source but ISPDB on', () => {
    expect(parseDiscoverOptions({})).toEqual({
      timeoutMs: 5000,
      sendAddress: false,
      allowHttp: false,
      sources: { srv: true, autoconfig: true, wellKnown: true, mx: true, guess: true },
    })
  })

  it.each([
    [{ timeoutMs: 0 }, /options\.timeoutMs/],
    [{ timeoutMs: 1.5 }, /options\.timeoutMs/],
    [{ sendAdress: true }, /sendAdress|Unrecognized/],
    [{ resolver: { resolveSrv: () => [] } }, /options\.resolver/],
    [{ fetch: 'https://x' }, /options\.fetch/],
    [{ signal: {} }, /options\.signal/],
    [{ sources: { srv: 'yes' } }, /options\.sources\.srv/],
    [{ dnssec: { server: 'resolver.example:53' } }, /options\.dnssec\.server/],
    [{ dnssec: { server: '192.0.2.1:53' } }, /loopback/],
    [{ ispdbUrl: 'https://ispdb.example/v1.1/' }, /\{domain\}/],
    [{ ispdbUrl: 'http://ispdb.example/{domain}' }, /https/],
    [{ ispdbUrl: 'not a url {domain}' }, /not a URL/],
  ])('refuses %j eagerly with MUASTS_ERR_INVALID_OPTION naming the path', (options, message) => {
    expect(() => parseDiscoverOptions(options)).toThrow(invalid(message))
  })

  it('accepts a non-loopback validating resolver only when explicitly allowed', () => {
    expect(
      parseDiscoverOptions({ dnssec: { server: '192.0.2.1:53', allowNonLoopback: true } }).dnssec,
    ).toEqual({
      host: '192.0.2.1',
      port: 53,
    })
  })

  it('accepts an http ISPDB template only together with allowHttp', () => {
    expect(
      parseDiscoverOptions({ allowHttp: true, ispdbUrl: 'http://ispdb.example/{domain}' }).ispdbUrl,
    ).toBe('http://ispdb.example/{domain}')
  })

  it('parses IPv4 and bracketed IPv6 resolver addresses', () => {
    expect(parseDiscoverOptions({ dnssec: { server: '127.0.0.1:5354' } }).dnssec).toEqual({
      host: '127.0.0.1',
      port: 5354,
    })
    expect(parseDiscoverOptions({ dnssec: { server: '[::1]:5354' } }).dnssec).toEqual({
      host: '::1',
      port: 5354,
    })
    expect(parseDiscoverOptions({ dnssec: { server: '127.0.0.1' } }).dnssec).toEqual({
      host: '127.0.0.1',
      port: 53,
    })
  })
})

describe('isLoopback', () => {
  it('accepts 127/8 and ::1 in any spelling, nothing else', () => {
    expect(['127.0.0.1', '127.1.2.3', '::1', '0:0:0:0:0:0:0:1'].every(isLoopback)).toBe(true)
    expect(['128.0.0.1', '::2', '::ffff:127.0.0.1', 'localhost', '10.0.0.1'].some(isLoopback)).toBe(false)
  })
})
