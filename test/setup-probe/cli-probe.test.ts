// `mua-sts probe` end to end: the real binary, discovery and every address lookup through a real DNS
// server on 127.0.0.1 given with `--resolver` (no test-only hook exists), probes against fake servers
// on 127.0.0.1 with the test CA given with `--ca`.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FakeSmtpServer, startFakeImap } from '@mua-sts/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { requireOrSkip } from '../support/availability.js'
import { testPki } from '../support/certs.js'
import { type LoopbackDns, startLoopbackDns, type Zone } from '../support/dns-server.js'

const ROOT = join(import.meta.dirname, '../..')
const BIN = join(ROOT, 'packages/cli/src/bin.ts')
const pki = testPki()
const dir = mkdtempSync(join(tmpdir(), 'mua-sts-cli-probe-'))
const caFile = join(dir, 'ca.pem')
writeFileSync(caFile, pki.caCert)
const closers: Array<() => Promise<void>> = []
const ports = { imaps: 0, stripped: 0, submissions: 0 }
let dns: LoopbackDns

beforeAll(async () => {
  dns = await startLoopbackDns()
  const imaps = await startFakeImap({ mode: 'implicit', leaf: pki.good })
  const stripped = await startFakeImap({
    mode: 'starttls',
    leaf: pki.good,
    capsBeforeTls: ['IMAP4rev1'],
    capsInGreeting: false,
  })
  const submissions = await FakeSmtpServer.start({
    mode: 'implicit-tls',
    leaf: pki.good,
    ehloAfterTls: ['DEEP tls12 tls-cert', 'AUTH PLAIN'],
  })
  closers.push(
    () => dns.close(),
    () => imaps.close(),
    () => stripped.close(),
    () => submissions.close(),
  )
  Object.assign(ports, { imaps: imaps.port, stripped: stripped.port, submissions: submissions.port })
})
afterAll(async () => {
  for (const close of closers) await close()
  rmSync(dir, { recursive: true, force: true })
})

const srv = (port: number) => ({ SRV: [{ priority: 0, weight: 1, port, target: 'mail.example.test' }] })

/** Serves `records` plus the address of mail.example.test; returns the `--resolver` argument. */
function zone(records: Zone): string[] {
  dns.setZone({ ...records, 'mail.example.test': { A: ['127.0.0.1'] } })
  return ['--resolver', dns.server]
}

function cli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=@mua-sts/source', '--import', 'tsx', BIN, ...args], {
      cwd: ROOT,
      env: process.env,
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString()
    })
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString()
    })
    child.once('error', reject)
    child.once('close', (status) => resolve({ status, stdout, stderr }))
  })
}

describe('mua-sts probe', () => {
  it('prints discovery, probe results and the proposal as JSON, and exits 0', async () => {
    const resolver = zone({
      '_imaps._tcp.example.test': srv(ports.imaps),
      '_submissions._tcp.example.test': srv(ports.submissions),
    })
    const r = await cli([
      'probe',
      'alice@example.test',
      '--json',
      '--ca',
      caFile,
      '--account',
      'acct_cli',
      ...resolver,
    ])
    expect(r.status).toBe(0)
    expect(r.stderr).not.toContain('TEST ONLY')
    const doc = JSON.parse(r.stdout)
    expect(doc.exitCode).toBe(0)
    expect(doc.domain).toBe('example.test')
    const endpoints = doc.proposal.services.map(
      (s: { commitment: { service: string; endpoint: { port: number } } }) =>
        `${s.commitment.service}:${s.commitment.endpoint.port}`,
    )
    expect(endpoints).toEqual([`imap:${ports.imaps}`, `submission:${ports.submissions}`])
    expect(doc.proposal.services[1].commitment.latches).toEqual(['tls-cert', 'tls12'])
    expect(doc.proposal.services[0].commitment.account).toBe('acct_cli')
    expect(doc.proposal.missing.map((m: { service: string }) => m.service)).toEqual(['pop3'])
    const first = doc.results.find((x: { candidate: { port: number } }) => x.candidate.port === ports.imaps)
    expect(first).toMatchObject({ status: 'compliant', observation: { tls: { version: 'TLSv1.3' } } })
  })

  it('shows a table and exits 1 when every reachable candidate is refused', async () => {
    const resolver = zone({ '_imap._tcp.example.test': srv(ports.stripped) })
    const r = await cli(['probe', 'alice@example.test', '--ca', caFile, ...resolver])
    expect(r.status).toBe(1)
    expect(r.stdout).toContain('Candidates for example.test:')
    expect(r.stdout).toMatch(
      new RegExp(
        `imap +mail\\.example\\.test:${ports.stripped} +STARTTLS +srv .*refused: starttls_not_offered`,
      ),
    )
    expect(r.stdout).toContain('Nothing can be proposed')
    expect(r.stdout).toContain('Nothing has been pinned')
    expect(r.stderr).toContain(
      `probe: imap mail.example.test:${ports.stripped} STARTTLS: refused starttls_not_offered`,
    )
  })

  it('never proposes a server whose certificate fails, and exits 1', async () => {
    const resolver = zone({ '_imaps._tcp.example.test': srv(ports.imaps) })
    // Without --ca the test CA is unknown: the certificate is untrusted and nothing is proposed.
    const r = await cli(['probe', 'alice@example.test', '--json', ...resolver])
    expect(r.status).toBe(1)
    const doc = JSON.parse(r.stdout)
    expect(doc.proposal.services).toEqual([])
    expect(
      doc.results.find((x: { candidate: { port: number } }) => x.candidate.port === ports.imaps).failure.code,
    ).toBe('certificate_not_trusted')
  })

  it('exits 4 when nothing can be reached', async () => {
    const resolver = zone({ '_imaps._tcp.example.test': srv(1) })
    const r = await cli(['probe', 'alice@example.test', '--json', '--ca', caFile, ...resolver])
    expect(r.status).toBe(4)
    expect(JSON.parse(r.stdout).results.every((x: { status: string }) => x.status === 'failed')).toBe(true)
  })
})

describe('mua-sts probe --resolver', () => {
  it('sends every lookup to the resolver: SRV, MX, TLSA and the A/AAAA of probes and autoconfig', async () => {
    const resolver = zone({ '_imaps._tcp.example.test': srv(ports.imaps) })
    dns.questions.length = 0
    const r = await cli(['probe', 'alice@example.test', '--json', '--ca', caFile, ...resolver])
    expect(r.status, r.stderr).toBe(0)
    const asked = new Set(dns.questions.map((q) => `${q.type} ${q.name}`))
    for (const q of [
      'SRV _imaps._tcp.example.test',
      'MX example.test',
      'A mail.example.test',
      `TLSA _${ports.imaps}._tcp.mail.example.test`,
      // The autoconfig fetches resolve their host through --resolver too.
      'A autoconfig.example.test',
      'A example.test',
    ])
      expect(asked, q).toContain(q)
  })
})

describe('mua-sts probe --ca', () => {
  it.each([
    ['a file that is not PEM', '/etc/hostname', 'holds no PEM certificate'],
    ['a private key', 'key.pem', 'holds a "PRIVATE KEY" PEM block'],
    ['a missing file', 'missing.pem', 'cannot read it (ENOENT)'],
  ])('refuses %s as a usage error naming --ca and the file, before any lookup', async (_what, name, why) => {
    const file = name.startsWith('/') ? name : join(dir, name)
    if (name === 'key.pem') writeFileSync(file, pki.good.key)
    const resolver = zone({ '_imaps._tcp.example.test': srv(ports.imaps) })
    dns.questions.length = 0
    const r = await cli(['probe', 'alice@example.test', '--ca', file, ...resolver])
    expect(r.status).toBe(2)
    expect(r.stderr).toContain(`--ca ${file}: ${why}`)
    expect(r.stderr).toContain('MUASTS_ERR_INVALID_OPTION')
    if (name === 'key.pem') expect(r.stderr).not.toContain('PRIVATE KEY-----')
    expect(dns.questions).toEqual([])
  })
})

// Autoconfig's URL has no port: the document must be served on 443. Any 127/8 address is local, so a
// random one keeps this from colliding with anything else on the machine; binding 443 needs root or
// CAP_NET_BIND_SERVICE (CI runs as root).
const AUTOCONFIG_ADDRESS = `127.${1 + Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`
const requests: string[] = []
const web: Server = createServer({ key: pki.good.key, cert: pki.good.cert }, (req, res) => {
  requests.push(`${req.headers.host ?? ''}${req.url ?? ''}`)
  if (req.headers.host !== 'autoconfig.example.test' || req.url !== '/mail/config-v1.1.xml') {
    res.writeHead(404).end()
    return
  }
  res.writeHead(200, { 'content-type': 'text/xml' }).end(`<?xml version="1.0" encoding="UTF-8"?>
<clientConfig version="1.1">
  <emailProvider id="example.test">
    <domain>example.test</domain>
    <incomingServer type="imap">
      <hostname>mail.example.test</hostname><port>${ports.imaps}</port><socketType>SSL</socketType>
      <authentication>password-cleartext</authentication><username>%EMAILADDRESS%</username>
    </incomingServer>
  </emailProvider>
</clientConfig>`)
})
const port443 = await new Promise<boolean>((resolve) => {
  web.once('error', () => resolve(false))
  web.listen(443, AUTOCONFIG_ADDRESS, () => resolve(true))
})
afterAll(() => new Promise<void>((resolve) => web.close(() => resolve())))

describe.skipIf(
  !requireOrSkip(port443, 'binding port 443 on a loopback address (root or CAP_NET_BIND_SERVICE)'),
)('mua-sts probe through HTTPS autoconfig', () => {
  it('fetches autoconfig over HTTPS from the address --resolver gives, trusting only --ca, and probes what it names', async () => {
    dns.setZone({
      'autoconfig.example.test': { A: [AUTOCONFIG_ADDRESS] },
      'mail.example.test': { A: ['127.0.0.1'] },
    })
    const r = await cli(['probe', 'alice@example.test', '--json', '--ca', caFile, '--resolver', dns.server])
    expect(r.status, r.stderr).toBe(0)
    expect(requests).toContain('autoconfig.example.test/mail/config-v1.1.xml')
    const doc = JSON.parse(r.stdout)
    expect(doc.proposal.services[0].commitment).toMatchObject({
      service: 'imap',
      endpoint: { host: 'mail.example.test', port: ports.imaps, transport: 'implicit-tls' },
    })
    const found = doc.discovery.candidates.find((c: { port: number }) => c.port === ports.imaps)
    expect(found).toMatchObject({
      source: 'autoconfig',
      trust: { level: 'trusted', reason: 'https_from_mail_domain' },
    })
  })

  it('does not take the document when --ca does not vouch for its server', async () => {
    dns.setZone({
      'autoconfig.example.test': { A: [AUTOCONFIG_ADDRESS] },
      'mail.example.test': { A: ['127.0.0.1'] },
    })
    requests.length = 0
    const r = await cli(['probe', 'alice@example.test', '--json', '--resolver', dns.server])
    const doc = JSON.parse(r.stdout)
    expect(doc.discovery.candidates.some((c: { source: string }) => c.source === 'autoconfig')).toBe(false)
    expect(doc.discovery.errors.some((e: { code: string }) => e.code === 'http_tls_error')).toBe(true)
    // The TLS handshake failed before any request was sent.
    expect(requests).toEqual([])
  })
})
