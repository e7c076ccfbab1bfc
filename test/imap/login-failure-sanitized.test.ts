// Issue #13 item 2: every server string an error includes is made safe. A LOGIN refused with a response
// code that carries markup keeps only a plain token in MUASTS_ERR_AUTH_FAILED's details.
import { afterEach, expect, it } from 'vitest'
import { commit, pki } from '../imap/harness.js'
import { type HostileServer, startHostile } from '../imap/hostile-server.js'

let server: HostileServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

it('a LOGIN NO with a markup response code yields error details without markup', async () => {
  server = await startHostile({ leaf: pki.good, implicit: true }, async (c) => {
    c.write('* OK [CAPABILITY IMAP4rev1 ID] hi\r\n')
    for (;;) {
      const line = await c.line().catch(() => undefined)
      if (line === undefined) return
      const [tag, name = ''] = line.split(' ')
      if (/^ID$/i.test(name)) c.write(`* ID NIL\r\n${tag} OK done\r\n`)
      else if (/^LOGIN$/i.test(name)) c.write(`${tag} NO [<svg/onload=alert(1)>] denied\r\n`)
      else c.write(`${tag} OK done\r\n`)
    }
  })
  const setup = await commit(server.port, { transport: 'implicit-tls' })
  const error = (await setup.connect({ timeoutMs: 5000 }).then(
    (client) => {
      client.close()
      return new Error('connectImap resolved')
    },
    (e: unknown) => e,
  )) as { code?: string; message?: string; details?: Record<string, unknown> }
  expect(error.code).toBe('MUASTS_ERR_AUTH_FAILED')
  const visible = JSON.stringify({ message: error.message, details: error.details })
  expect(visible).not.toMatch(/[<>]|onload/i)
})

it('a wrong password is MUASTS_ERR_AUTH_FAILED saying the login was rejected and what to check (#16)', async () => {
  server = await startHostile({ leaf: pki.good, implicit: true }, async (c) => {
    c.write('* OK [CAPABILITY IMAP4rev1] hi\r\n')
    for (;;) {
      const line = await c.line().catch(() => undefined)
      if (line === undefined) return
      const [tag, name = ''] = line.split(' ')
      if (/^LOGIN$/i.test(name)) c.write(`${tag} NO [AUTHENTICATIONFAILED] Authentication failed.\r\n`)
      else c.write(`${tag} OK done\r\n`)
    }
  })
  const setup = await commit(server.port, { transport: 'implicit-tls' })
  const error = await setup.connect({ timeoutMs: 5000 }).then(
    (client) => {
      client.close()
      return new Error('connectImap resolved')
    },
    (e: unknown) => e,
  )
  expect(error).toMatchObject({
    code: 'MUASTS_ERR_AUTH_FAILED',
    message:
      'The IMAP server rejected the login (NO [AUTHENTICATIONFAILED] Authentication failed.). Check the username and password (or the access token).',
    details: { serverResponseCode: 'AUTHENTICATIONFAILED' },
  })
  expect(setup.reports).toEqual([])
})
