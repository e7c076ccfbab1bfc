// `mua-sts setup` when the server changes between the probe and the login test: an on-path attacker
// lets the credential-free probe through to the honest server, then answers the login connection
// itself with a certificate from another CA. The guard must refuse before LOGIN, setup must pin
// nothing, say it was a security refusal (not a wrong password), and the attacker's byte log must
// hold no credential byte. DNS is a real validating resolver (Unbound), the servers are in-process.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createConnection, createServer, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FAKE_PASS, FAKE_USER, type FakeImapServer, startFakeImap } from '@mua-sts/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { requireOrSkip } from '../support/availability.js'
import { testPki } from '../support/certs.js'
import { startUnbound, type UnboundHandle, unboundAvailable } from '../support/unbound.js'

const ROOT = join(import.meta.dirname, '../..')
const BIN = join(ROOT, 'packages/cli/src/bin.ts')

/** Forwards the first connection to `first`, every later one to `later`. */
type Relay = { port: number; connections: () => number; close: () => Promise<void> }
function switchingRelay(first: number, later: number): Promise<Relay> {
  let n = 0
  const open = new Set<Socket>()
  const server: Server = createServer((socket) => {
    const upstream = createConnection({ host: '127.0.0.1', port: n++ === 0 ? first : later })
    for (const s of [socket, upstream]) {
      open.add(s)
      s.once('close', () => open.delete(s))
    }
    socket.pipe(upstream).pipe(socket)
    const close = () => {
      socket.destroy()
      upstream.destroy()
    }
    socket.on('error', close)
    upstream.on('error', close)
  })
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      const close = () =>
        new Promise<void>((done) => {
          for (const s of open) s.destroy()
          server.close(() => done())
        })
      resolve({ port, connections: () => n, close })
    }),
  )
}

function cli(args: readonly string[], stdin: string) {
  return new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env }
    const child = spawn(process.execPath, ['--conditions=@mua-sts/source', '--import', 'tsx', BIN, ...args], {
      cwd: ROOT,
      env,
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
    child.stdin.end(stdin)
  })
}

describe.skipIf(!requireOrSkip(unboundAvailable(), 'unbound'))(
  'mua-sts setup against a server swapped after the probe',
  () => {
    let dir: string
    let honest: FakeImapServer
    let attacker: FakeImapServer
    let relay: Relay
    let unbound: UnboundHandle

    beforeAll(async () => {
      const pki = testPki()
      dir = mkdtempSync(join(tmpdir(), 'mua-sts-cli-refusal-'))
      writeFileSync(join(dir, 'ca.pem'), pki.caCert)
      honest = await startFakeImap({ mode: 'implicit', leaf: pki.good })
      attacker = await startFakeImap({ mode: 'implicit', leaf: pki.otherCa })
      relay = await switchingRelay(honest.port, attacker.port)
      unbound = await startUnbound({
        origin: 'example.test',
        records: ['mail IN A 127.0.0.1', `_imaps._tcp IN SRV 0 1 ${relay.port} mail.example.test.`],
      })
    }, 60_000)
    afterAll(async () => {
      await unbound?.stop()
      await relay?.close()
      await attacker?.close()
      await honest?.close()
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
    })

    it('refuses before LOGIN, pins nothing, and says it was a security refusal', async () => {
      const store = join(dir, 'store')
      const r = await cli(
        [
          'setup',
          FAKE_USER,
          '--password-stdin',
          '--yes',
          '--json',
          '--account',
          'acct_alice',
          '--ca',
          join(dir, 'ca.pem'),
          '--resolver',
          unbound.server,
          '--store',
          store,
          '--integrity',
          'none-explicit-opt-in',
        ],
        `${FAKE_PASS}\n`,
      )
      expect(r.status, r.stderr).toBe(1)
      const doc = JSON.parse(r.stdout) as {
        status: string
        pinned: unknown[]
        failures: Array<{ service: string; kind: string; code: string }>
      }
      expect(doc).toMatchObject({ status: 'not-pinned', pinned: [] })
      expect(doc.failures).toEqual([
        expect.objectContaining({
          service: 'imap',
          kind: 'security',
          code: 'MUASTS_ERR_COMMITMENT_VIOLATED',
        }),
      ])
      expect(r.stderr).toContain('did not meet the security requirements')
      expect(r.stderr).toContain('the password was not sent')
      // The probe reached the honest server; the attacker got the login connection and no credential
      // (the client dropped it inside the TLS handshake, so no application byte at all).
      expect(honest.connections).toBe(1)
      expect(relay.connections()).toBeGreaterThanOrEqual(2)
      expect(attacker.sawAny(['LOGIN', 'AUTHENTICATE'])).toBe(false)
      expect(attacker.sawBytes(FAKE_PASS)).toBe(false)
      expect(honest.sawBytes(FAKE_PASS)).toBe(false)
      for (const text of [r.stdout, r.stderr]) expect(text).not.toContain(FAKE_PASS)
      const list = await cli(
        ['pins', 'list', '--json', '--store', store, '--integrity', 'none-explicit-opt-in'],
        '',
      )
      expect(JSON.parse(list.stdout)).toEqual([])
    }, 90_000)
  },
)
