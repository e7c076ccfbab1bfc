// probe() and discover() take the guards' one TrustOptions shape (`{ ca, lookup }`, #16): the same
// object a wizard passes to connectImap works here, and a bad anchor is refused when the options are
// parsed, naming the option path, before any socket or query.
import { readFileSync } from 'node:fs'
import { ErrorCode } from '@mua-sts/core'
import { discover, httpsFetch, probe, type TrustOptions, TrustOptionsSchema } from '@mua-sts/setup'
import { startFakeImap } from '@mua-sts/testing'
import { TrustOptionsSchema as GuardTrustOptionsSchema } from '@mua-sts/transport'
import { describe, expect, it } from 'vitest'
import { testPki } from '../support/certs.js'
import { candidate, loopbackLookup } from './fakes.js'

const pki = testPki()

describe('probe({ trust: { ca, lookup } })', () => {
  it('is the guards’ schema, and probes through trust.lookup with trust.ca', async () => {
    expect(TrustOptionsSchema).toBe(GuardTrustOptionsSchema)
    const server = await startFakeImap({ mode: 'implicit', leaf: pki.good })
    try {
      const trust: TrustOptions = { ca: pki.caCert, lookup: loopbackLookup }
      const [result] = await probe([candidate({ port: server.port })], { trust })
      expect(result).toMatchObject({ status: 'compliant' })
    } finally {
      await server.close()
    }
  })

  it.each([
    [{ trust: { ca: 'garbage' } }, 'probe options.trust.ca: holds no PEM certificate'],
    [
      { trust: { ca: [pki.caCert, readFileSync('/etc/hostname', 'utf8')] } },
      'probe options.trust.ca[1]: holds no PEM',
    ],
    [{ trust: { ca: pki.good.key } }, 'probe options.trust.ca: holds a "PRIVATE KEY" PEM block'],
    [{ trust: { lookup: loopbackLookup }, lookup: () => {} }, 'probe options.lookup: give the resolver once'],
  ])('refuses %j before any socket, naming the option', async (options, message) => {
    const error = await probe([candidate({ port: 9 })], options as never).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: ErrorCode.InvalidOption })
    expect((error as Error).message).toContain(message)
    expect((error as Error).message).not.toContain('BEGIN PRIVATE KEY')
  })

  it('still takes the older top-level lookup, as trust.lookup', async () => {
    const server = await startFakeImap({ mode: 'implicit', leaf: pki.good })
    try {
      const [result] = await probe([candidate({ port: server.port })], {
        trust: { ca: pki.caCert },
        lookup: loopbackLookup,
      })
      expect(result).toMatchObject({ status: 'compliant' })
    } finally {
      await server.close()
    }
  })
})

describe('discover({ trust }) and httpsFetch(trust)', () => {
  it('refuses a bad anchor when the options are parsed, naming trust.ca[1]', async () => {
    await expect(discover('a@example.test', { trust: { ca: [pki.caCert, 'x'] } })).rejects.toMatchObject({
      code: ErrorCode.InvalidOption,
      message: expect.stringContaining('discover options.trust.ca[1]: holds no PEM certificate'),
    })
    expect(() => httpsFetch({ ca: 'x' })).toThrow('httpsFetch options.ca: holds no PEM certificate')
  })

  it('refuses trust together with a custom fetch (it would be ignored)', async () => {
    const fetch = httpsFetch()
    await expect(discover('a@example.test', { trust: { ca: pki.caCert }, fetch })).rejects.toMatchObject({
      code: ErrorCode.InvalidOption,
      message: expect.stringContaining('discover options.trust: applies to the default fetch only'),
    })
  })
})
