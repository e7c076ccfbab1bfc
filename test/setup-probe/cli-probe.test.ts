// `mua-sts probe` end to end: the real binary, discovery through the test-only zone file
// (MUA_STS_TEST_ZONE), probes against fake servers on 127.0.0.1 with the test CA.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FakeSmtpServer, startFakeImap } from '@mua-sts/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testPki } from '../support/certs.js'

const ROOT = join(import.meta.dirname, '../..')
const BIN = join(ROOT, 'packages/cli/src/bin.ts')
const pki = testPki()
const dir = mkdtempSync(join(tmpdir(), 'mua-sts-cli-probe-'))
const caFile = join(dir, 'ca.pem')
writeFileSync(caFile, pki.caCert)
const closers: Array<() => Promise<void>> = []
const ports = { imaps: 0, stripped: 0, submissions: 0 }

beforeAll(async () => {
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

const srv = (port: number) => ({ SRV: [{ name: 'mail.example.test', port, priority: 0, weight: 1 }] })

function zoneFile(name: string, dns: Record<string, unknown>): string {
  const file = join(dir, `${name}.json`)
  writeFileSync(file, JSON.stringify({ dns, hosts: { 'mail.example.test': '127.0.0.1' } }))
  return file
}

function cli(
  args: string[],
  zone: string,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=@mua-sts/source', '--import', 'tsx', BIN, ...args], {
      cwd: ROOT,
      env: { ...process.env, MUA_STS_TEST_ZONE: zone },
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
    const zone = zoneFile('good', {
      '_imaps._tcp.example.test': srv(ports.imaps),
      '_submissions._tcp.example.test': srv(ports.submissions),
    })
    const r = await cli(
      ['probe', 'alice@example.test', '--json', '--ca', caFile, '--account', 'acct_cli'],
      zone,
    )
    expect(r.status).toBe(0)
    expect(r.stderr).toContain('TEST ONLY: MUA_STS_TEST_ZONE=')
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
    const zone = zoneFile('stripped', { '_imap._tcp.example.test': srv(ports.stripped) })
    const r = await cli(['probe', 'alice@example.test', '--ca', caFile], zone)
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
    const zone = zoneFile('untrusted', { '_imaps._tcp.example.test': srv(ports.imaps) })
    // Without --ca the test CA is unknown: the certificate is untrusted and nothing is proposed.
    const r = await cli(['probe', 'alice@example.test', '--json'], zone)
    expect(r.status).toBe(1)
    const doc = JSON.parse(r.stdout)
    expect(doc.proposal.services).toEqual([])
    expect(
      doc.results.find((x: { candidate: { port: number } }) => x.candidate.port === ports.imaps).failure.code,
    ).toBe('certificate_not_trusted')
  })

  it('exits 4 when nothing can be reached', async () => {
    const zone = zoneFile('unreachable', { '_imaps._tcp.example.test': srv(1) })
    const r = await cli(['probe', 'alice@example.test', '--json', '--ca', caFile], zone)
    expect(r.status).toBe(4)
    expect(JSON.parse(r.stdout).results.every((x: { status: string }) => x.status === 'failed')).toBe(true)
  })
})
