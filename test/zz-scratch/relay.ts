import { testPki } from '../support/certs.js'
import { startDovecot } from '../support/dovecot.js'
import { createTransport } from 'nodemailer'
const pki = testPki()
const d = await startDovecot({ leaf: pki.good })
const tr = createTransport({ host: '127.0.0.1', port: d.ports.submissions, secure: true, auth: { user: d.user, pass: d.password }, tls: { servername: 'mail.example.test', ca: pki.caCert }, logger: true, debug: true })
let t = Date.now()
await tr.sendMail({ from: 'alice@example.test', to: 'bob@example.test', subject: 'relay', text: 'x' })
console.log('send ms', Date.now() - t)
console.log(d.log().split('\n').filter(l=>/submission/.test(l)).join('\n'))
const kids = (await import('node:child_process')).execSync('ps -eo pid,ppid,etimes,cmd | grep dovecot | grep -v grep').toString()
console.log(kids)
t = Date.now(); await d.stop(); console.log('stop ms', Date.now() - t)
console.log((await import('node:child_process')).execSync('ps -eo pid,ppid,cmd | grep dovecot | grep -v grep || true').toString())
