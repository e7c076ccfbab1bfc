// Controls with the guard removed: the very servers of scenarios.ts, against stock nodemailer with the
// options apps typically use (defaults, opportunisticTLS, requireTLS, tls.rejectUnauthorized: false,
// a trusted CA but no pins). Each one hands the attacker credentials or the message, which shows that
// attacks.test.ts passes because of the guard and not because the fake server is harmless.

import { FakeSmtpServer } from '@mua-sts/testing'
import { createTransport } from 'nodemailer'
import { afterEach, describe, expect, it } from 'vitest'
import { MESSAGE, PASS, USER } from './harness.js'
import { SCENARIOS } from './scenarios.js'

let server: FakeSmtpServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

describe.each(SCENARIOS)('without the guard, when $name', (scenario) => {
  it(`stock nodemailer gives the server ${scenario.leaks === 'AUTH' ? 'the credentials' : 'the message'}`, async () => {
    server = await FakeSmtpServer.start(scenario.script())
    const bare = createTransport({
      host: 'localhost',
      port: server.port,
      auth: { user: USER, pass: PASS },
      ...scenario.bare,
    })

    await bare.sendMail(MESSAGE).catch(() => undefined)
    bare.close()
    await server.settled()

    if (scenario.leaks === 'AUTH') {
      expect(server.verbs()).toContain('AUTH')
      expect(server.logins).toContainEqual(expect.objectContaining({ user: USER, ok: true }))
    } else {
      expect(server.verbs('plain')).toContain('MAIL')
      expect(server.delivered).toHaveLength(1)
    }
  })
})
