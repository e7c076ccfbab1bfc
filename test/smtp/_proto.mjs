import net from 'node:net'
import tls from 'node:tls'
import { execFileSync } from 'node:child_process'
import SMTPConnection from 'nodemailer/lib/smtp-connection'
import { readFileSync, mkdtempSync } from 'node:fs'
import { join } from 'node:path'
import { tmpdir } from 'node:os'
const d = mkdtempSync(join(tmpdir(), 'p-'))
execFileSync('openssl', ['req','-x509','-newkey','ec','-pkeyopt','ec_paramgen_curve:P-256','-nodes','-keyout',join(d,'k'),'-out',join(d,'c'),'-subj','/CN=localhost','-addext','subjectAltName=DNS:localhost','-days','2'],{stdio:'ignore'})
const key = readFileSync(join(d,'k')), cert = readFileSync(join(d,'c'))
const log = []
const server = net.createServer((s) => {
  let tlsS = null
  const write = (x) => (tlsS ?? s).write(x + '\r\n')
  let buf = ''
  const onLine = (line) => {
    log.push((tlsS ? 'tls ' : 'plain ') + line)
    const v = line.split(' ')[0].toUpperCase()
    if (v === 'EHLO') write(tlsS ? '250-x\r\n250-DEEP tls12\r\n250 AUTH PLAIN' : '250-x\r\n250 STARTTLS')
    else if (v === 'STARTTLS') { write('220 go'); s.removeAllListeners('data'); tlsS = new tls.TLSSocket(s, { isServer: true, key, cert }); tlsS.on('data', onData) }
    else if (v === 'CLIENT') write('250 ok')
    else if (v === 'AUTH') write('235 ok')
    else if (v === 'QUIT') { write('221 bye'); (tlsS ?? s).end() }
    else write('502 no')
  }
  const onData = (d) => { buf += d.toString(); let i; while ((i = buf.indexOf('\r\n')) >= 0) { const l = buf.slice(0, i); buf = buf.slice(i + 2); onLine(l) } }
  s.on('data', onData)
  write('220 hi')
})
await new Promise((r) => server.listen(0, '127.0.0.1', r))
const port = server.address().port
// client preamble
const sock = net.connect({ host: '127.0.0.1', port })
await new Promise(r => sock.once('connect', r))
let cbuf = ''
const read = () => new Promise(r => { const f = (d) => { cbuf += d; if (/(^|\n)\d{3} [^\n]*\r\n$/.test(cbuf)) { sock.off('data', f); const x = cbuf; cbuf=''; r(x) } }; sock.on('data', f) })
console.log(await read()); sock.write('EHLO me\r\n'); console.log(await read()); sock.write('STARTTLS\r\n'); console.log(await read())
sock.pause()
const t = tls.connect({ socket: sock, servername: 'localhost', ca: cert, rejectUnauthorized: true })
await new Promise((r, j) => { t.once('secureConnect', r); t.once('error', j) })
console.log('tls ok', t.getProtocol(), 'readable', t.readableLength)
t.unshift(Buffer.from('220 local\r\n'))
const conn = new SMTPConnection({ connection: t, secured: true, secure: true, ignoreTLS: true, customAuth: { 'X-G': async (ctx) => { const r = await ctx.sendCommand('CLIENT a=b'); console.log('client reply', r); const r2 = await ctx.sendCommand('AUTH PLAIN AAAA'); console.log('auth', r2.status) } } })
conn.on('error', e => console.log('err', e))
await new Promise((r, j) => conn.connect(e => e ? j(e) : r()))
console.log('lastServerResponse', JSON.stringify(conn.lastServerResponse), conn._socket === t)
await new Promise((r, j) => conn.login({ method: 'X-G' }, (e) => e ? j(e) : r()))
console.log('authenticated', conn.authenticated)
conn.quit()
await new Promise(r => setTimeout(r, 100))
console.log(log)
server.close()
