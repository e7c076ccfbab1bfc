import { createCommitment } from '@mua-sts/core'
import { guardedSmtpTransport } from '@mua-sts/smtp'
import { MemoryCommitmentStore } from '@mua-sts/store'
import { FakeSmtpServer } from '@mua-sts/testing'
import { createTransport } from 'nodemailer'
import { testPki } from '../test/support/certs.ts'
const pki = testPki()
const server = await FakeSmtpServer.start({ mode: 'implicit-tls', leaf: pki.good, credentials: { user: 'u', pass: 'p' } })
const store = new MemoryCommitmentStore()
await store.strengthen(createCommitment({ account: 'b', service: 'submission', host: 'localhost', port: server.port, transport: 'implicit-tls', source: 'setup', now: new Date().toISOString() }))
const t = createTransport(guardedSmtpTransport({ account: 'b', store, trust: { ca: pki.caCert }, auth: { user: 'u', pass: 'p' } }))
const msg = { from: 'u@x.test', to: 'v@x.test', subject: 's', text: 'x'.repeat(10000) }
for (let i = 0; i < 50; i++) await t.sendMail(msg)
const t0 = performance.now()
for (let i = 0; i < 400; i++) await t.sendMail(msg)
console.log('avg ms', (performance.now() - t0) / 400)
await server.close()
