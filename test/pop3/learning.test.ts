// Learning and the capability boundary (DEEP -04 §5.1, §5.3, §7.2; MUA-STS -05 §7, §9.2; RFC 2595 §4):
// only the CAPA read over TLS, on a session the Guard passed and after a successful login, may
// strengthen the commitment; the store persists it and the next connection enforces it. A CAPA seen
// before TLS (attacker-controlled) decides nothing: not the latches, not the SASL mechanism.
import { ErrorCode, isSdkError, SdkError } from '@mua-sts/core'
import { afterEach, describe, expect, it } from 'vitest'
import { type FakePop3Script, type FakePop3Server, startFakePop3 } from '../fakes/pop3-server.js'
import { ACCOUNT, commit, expectNoCredentials, expectRefused, pki } from './harness.js'

const DEEP = 'tls12 tls-cert <https://status.example.test/mail>'
const STS = 'tls-version=1.3; tls-cert=pkix; sts-url=https://status.example.test/sts'

describe('learning from the post-TLS CAPA', () => {
  const servers: FakePop3Server[] = []
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()))
  })
  const start = async (script: FakePop3Script) => {
    const s = await startFakePop3({ leaf: pki.good, ...script })
    servers.push(s)
    return s
  }

  it.each([
    ['implicit-tls', 'implicit'],
    ['starttls', 'starttls'],
  ] as const)(
    'latches tls12 and tls-cert and saves the status URL from DEEP over %s',
    async (transport, mode) => {
      const server = await start({ mode, capaAfterTls: ['USER', 'SASL PLAIN', `DEEP ${DEEP}`] })
      const setup = await commit(server.port, { transport })
      const client = await setup.connect()
      await client.quit()
      const stored = await setup.store.get(ACCOUNT, 'pop3')
      expect(stored?.latches).toEqual(['tls-cert', 'tls12'])
      expect(stored?.statusUrl?.url).toBe('https://status.example.test/mail')
      expect(stored?.provenance['latch:tls12']?.source).toBe('server')
      expect(client.commitment).toEqual(stored)
      expect(setup.reports).toEqual([])
    },
  )

  it('saves -05 directives from STS, and the next connection enforces them', async () => {
    const server = await start({ mode: 'implicit', capaAfterTls: ['USER', `STS ${STS}`] })
    const setup = await commit(server.port, { transport: 'implicit-tls' })
    const client = await setup.connect()
    await client.quit()
    const learned = await setup.store.get(ACCOUNT, 'pop3')
    expect(learned?.directives).toEqual({ tlsVersion: '1.3', tlsCert: 'pkix' })

    // The same account later meets a server that only offers TLS 1.2: tls-version=1.3 refuses it.
    const downgraded = await start({ mode: 'implicit', tlsMaxVersion: 'TLSv1.2' })
    const again = await commit(downgraded.port, { transport: 'implicit-tls' })
    await again.store.strengthen({ ...learned!, endpoint: again.commitment.endpoint })
    const before = await again.store.get(ACCOUNT, 'pop3')
    const error = await again.connect().catch((e: unknown) => e)
    const report = (error as { report: { violations: Array<{ code: string; tag?: string }> } }).report
    expect(report.violations).toContainEqual(
      expect.objectContaining({ code: 'tls_version_below_floor', tag: 'tls-version' }),
    )
    await expectNoCredentials(downgraded)
    expect(await again.store.get(ACCOUNT, 'pop3')).toEqual(before)
  })

  it('learns nothing from a DEEP status seen only before TLS', async () => {
    const server = await start({
      mode: 'starttls',
      capaBeforeTls: ['STLS', 'USER', `DEEP ${DEEP}`, `STS ${STS}`],
      capaAfterTls: ['USER', 'SASL PLAIN'],
    })
    const setup = await commit(server.port, { transport: 'starttls' })
    const client = await setup.connect()
    await client.quit()
    expect(await setup.store.get(ACCOUNT, 'pop3')).toEqual(setup.commitment)
    expect(client.commitment).toEqual(setup.commitment)
  })

  it('learns nothing from a DEEP status in an injected "post-TLS" CAPA (refused)', async () => {
    const server = await start({
      mode: 'starttls',
      injectAfterStls: `+OK\r\nUSER\r\nDEEP ${DEEP}\r\n.\r\n`,
      capaAfterTls: ['USER'],
    })
    const setup = await commit(server.port, { transport: 'starttls' })
    await expectRefused(setup, setup.connect(), 'bytes_after_starttls')
    expect(await setup.store.get(ACCOUNT, 'pop3')).toEqual(setup.commitment)
  })

  it('ignores a malformed DEEP status without failing the session', async () => {
    const server = await start({
      mode: 'implicit',
      capaAfterTls: ['USER', 'DEEP <http://plain.example/> 9bad'],
    })
    const setup = await commit(server.port, { transport: 'implicit-tls' })
    const client = await setup.connect()
    await client.quit()
    expect(await setup.store.get(ACCOUNT, 'pop3')).toEqual(setup.commitment)
  })

  it('fails the connection when the store cannot persist what was learned', async () => {
    const server = await start({ mode: 'implicit', capaAfterTls: ['USER', `DEEP ${DEEP}`] })
    const setup = await commit(server.port, { transport: 'implicit-tls' })
    setup.store.strengthen = async () => {
      throw new SdkError(ErrorCode.StoreIo, 'disk full')
    }
    const error = await setup.connect().catch((e: unknown) => e)
    expect(isSdkError(error, 'MUASTS_ERR_STORE_IO')).toBe(true)
    await server.connectionsClosed()
    expect(server.commands.some((c) => c.verb === 'QUIT')).toBe(false) // nothing of the session applied
    expect(await setup.store.get(ACCOUNT, 'pop3')).toEqual(setup.commitment)
  })
})

describe('capabilities that differ before and after STLS (RFC 2595 §4)', () => {
  let server: FakePop3Server
  afterEach(async () => {
    await server?.close()
  })

  it.each([
    [['STLS', 'SASL PLAIN', 'USER'], ['USER'], ['USER', 'PASS']],
    [['STLS', 'USER'], ['SASL PLAIN', 'USER'], ['AUTH']],
  ])('picks the login from the post-TLS CAPA only (before %j, after %j)', async (before, after, expected) => {
    server = await startFakePop3({
      mode: 'starttls',
      leaf: pki.good,
      capaBeforeTls: before,
      capaAfterTls: after,
    })
    const setup = await commit(server.port, { transport: 'starttls' })
    const client = await setup.connect()
    expect(client.capabilities).toEqual(after)
    await client.quit()
    const tls = server.commands.filter((c) => c.phase === 'tls').map((c) => c.verb)
    expect(tls.slice(0, 1 + expected.length)).toEqual(['CAPA', ...expected])
    expect(server.commands.filter((c) => c.phase === 'plain').map((c) => c.verb)).toEqual(['CAPA', 'STLS'])
  })
})
