// Learning (DEEP -04 §5.1, §5.3, §7.1; MUA-STS -05 §7): only what the server says in the ID response,
// which imapflow exchanges after TLS on a session the guard passed, may strengthen the commitment; the
// store persists it and the next connection enforces it. Nothing read before TLS is ever learned.
import { ErrorCode, isSdkError, SdkError } from '@mua-sts/core'
import { type FakeImapServer, startFakeImap } from '@mua-sts/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { ACCOUNT, commit, expectRefused, pki } from './harness.js'

const DEEP = 'tls12 tls-cert <https://status.example.test/mail>'

describe('learning from the server', () => {
  const servers: FakeImapServer[] = []
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()))
  })
  const start = async (...args: Parameters<typeof startFakeImap>) => {
    const s = await startFakeImap(...args)
    servers.push(s)
    return s
  }

  it.each(['deep', 'deep-status', 'DEEP'])(
    'latches tls-cert and tls12 and saves the status URL from the post-TLS ID field "%s"',
    async (field) => {
      const server = await start({ mode: 'starttls', leaf: pki.good, id: { name: 'fake', [field]: DEEP } })
      const setup = await commit(server.port, { transport: 'starttls' })
      const client = await setup.connect()
      await client.logout()
      const stored = await setup.store.get(ACCOUNT, 'imap')
      expect(stored?.latches).toEqual(['tls-cert', 'tls12'])
      expect(stored?.statusUrl?.url).toBe('https://status.example.test/mail')
      expect(stored?.provenance['latch:tls12']?.source).toBe('server')
      expect(client.commitment).toEqual(stored)
    },
  )

  it('saves -05 directives from the "sts" field, and the next connection enforces them', async () => {
    const sts = 'tls-version=1.3; tls-cert=pkix; sts-url=https://status.example.test/sts'
    const server = await start({ mode: 'implicit', leaf: pki.good, id: { name: 'fake', sts } })
    const setup = await commit(server.port, { transport: 'implicit-tls' })
    const client = await setup.connect()
    await client.logout()
    const learned = await setup.store.get(ACCOUNT, 'imap')
    expect(learned?.directives).toEqual({ tlsVersion: '1.3', tlsCert: 'pkix' })

    // The same endpoint later answers with TLS 1.2 only: the learned tls-version=1.3 refuses it.
    await server.close()
    const downgraded = await start({ mode: 'implicit', leaf: pki.good, tls: { maxVersion: 'TLSv1.2' } })
    const again = await commit(downgraded.port, { transport: 'implicit-tls' })
    await again.store.strengthen({ ...learned!, endpoint: again.commitment.endpoint })
    const before = await again.store.get(ACCOUNT, 'imap')
    const error = await again.connect().catch((e: unknown) => e)
    const report = (error as { report: { violations: Array<{ code: string; tag?: string }> } }).report
    expect(report.violations).toContainEqual(
      expect.objectContaining({ code: 'tls_version_below_floor', tag: 'tls-version' }),
    )
    expect(downgraded.sawAny(['ID', 'LOGIN', 'AUTHENTICATE'])).toBe(false)
    expect(await again.store.get(ACCOUNT, 'imap')).toEqual(before)
  })

  it('learns nothing from DEEP tags seen only before TLS', async () => {
    const server = await start({
      mode: 'starttls',
      leaf: pki.good,
      capsBeforeTls: ['IMAP4rev1', 'STARTTLS', 'ID', 'DEEP', 'tls12', 'tls-cert'],
      id: { name: 'fake' },
    })
    const setup = await commit(server.port, { transport: 'starttls' })
    const client = await setup.connect()
    await client.logout()
    expect(await setup.store.get(ACCOUNT, 'imap')).toEqual(setup.commitment)
  })

  it('learns nothing from a DEEP status in an unsolicited pre-TLS ID response (refused)', async () => {
    const server = await start({
      mode: 'starttls',
      leaf: pki.good,
      afterGreeting: [`* ID ("deep" "${DEEP}")`],
      id: { name: 'fake' },
    })
    const setup = await commit(server.port, { transport: 'starttls' })
    await expectRefused(setup, setup.connect(), 'untagged_before_tls')
    expect(await setup.store.get(ACCOUNT, 'imap')).toEqual(setup.commitment)
  })

  it('learns nothing when the login fails, and reports no violation', async () => {
    const server = await start({ mode: 'implicit', leaf: pki.good, id: { deep: DEEP }, pass: 'another' })
    const setup = await commit(server.port, { transport: 'implicit-tls' })
    const error = await setup.connect().catch((e: unknown) => e)
    expect((error as { code?: string }).code).toBe('MUASTS_ERR_AUTH_FAILED')
    expect(setup.reports).toEqual([])
    expect(await setup.store.get(ACCOUNT, 'imap')).toEqual(setup.commitment)
  })

  it('fails the connection (and logs out) when the store cannot persist what was learned', async () => {
    const server = await start({ mode: 'implicit', leaf: pki.good, id: { deep: DEEP } })
    const setup = await commit(server.port, { transport: 'implicit-tls' })
    setup.store.strengthen = async () => {
      throw new SdkError(ErrorCode.StoreIo, 'disk full')
    }
    const error = await setup.connect().catch((e: unknown) => e)
    expect(isSdkError(error, 'MUASTS_ERR_STORE_IO')).toBe(true)
    expect(await setup.store.get(ACCOUNT, 'imap')).toEqual(setup.commitment)
  })

  it('ignores a malformed DEEP status without failing the session', async () => {
    const server = await start({
      mode: 'implicit',
      leaf: pki.good,
      id: { deep: '<http://plain.example/> 9bad' },
    })
    const setup = await commit(server.port, { transport: 'implicit-tls' })
    const client = await setup.connect()
    await client.logout()
    expect(await setup.store.get(ACCOUNT, 'imap')).toEqual(setup.commitment)
  })
})
