// The --resolver address lookup in the shape node:net and node:tls expect (getaddrinfo-style), so
// probes and guarded clients dial what the chosen resolver says and nothing else.
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { resolverLookup } from './discovery-net.js'

const nxdomain = (host: string) =>
  Promise.reject(Object.assign(new Error(`queryA ENOTFOUND ${host}`), { code: 'ENOTFOUND' }))
const fake = {
  resolve4: (host: string) =>
    host === 'mail.example.test' ? Promise.resolve(['127.0.0.1']) : nxdomain(host),
  resolve6: (host: string) =>
    host === 'mail.example.test' || host === 'v6.example.test' ? Promise.resolve(['::1']) : nxdomain(host),
}

describe('resolverLookup', () => {
  const lookup = resolverLookup(fake)
  const all = promisify((h: string, cb: (e: unknown, a?: unknown) => void) =>
    lookup(h, { all: true }, cb as never),
  )
  const one = (host: string, family = 0) =>
    new Promise<[string, number]>((resolve, reject) =>
      lookup(host, { family }, (error, address, fam) =>
        error ? reject(error) : resolve([address as string, fam as number]),
      ),
    )

  it('answers A before AAAA, both with all: true', async () => {
    await expect(all('mail.example.test')).resolves.toEqual([
      { address: '127.0.0.1', family: 4 },
      { address: '::1', family: 6 },
    ])
    await expect(one('mail.example.test')).resolves.toEqual(['127.0.0.1', 4])
    await expect(one('mail.example.test', 6)).resolves.toEqual(['::1', 6])
    await expect(one('v6.example.test')).resolves.toEqual(['::1', 6])
  })

  it('passes IP literals through and fails unknown names with the resolver code', async () => {
    await expect(one('192.0.2.7')).resolves.toEqual(['192.0.2.7', 4])
    await expect(one('nothing.example.test')).rejects.toMatchObject({
      code: 'ENOTFOUND',
      hostname: 'nothing.example.test',
    })
    await expect(one('v6.example.test', 4)).rejects.toMatchObject({ code: 'ENOTFOUND' })
  })
})
