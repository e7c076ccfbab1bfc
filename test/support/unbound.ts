// A real validating resolver for DNSSEC tests: Debian's Unbound on 127.0.0.1, serving one zone that
// is signed at test time with ldns-keygen/ldns-signzone and anchored by its own KSK. Recipe from
// integration-notes §7: `local-zone: "test." nodefault` (else Unbound answers NXDOMAIN for the
// special-use .test TLD), `module-config: "validator iterator"`, and an auth-zone with
// `for-upstream: yes` so answers go through the validator exactly as a delegated zone's would.
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './ports.js'

export type SignedZone = {
  /** Zone apex without trailing dot, e.g. 'example.test'. */
  readonly origin: string
  /** Zone-file lines relative to the origin (SOA and NS are added). */
  readonly records: readonly string[]
  /** Edits the signed zone text without re-signing (to make RRSIGs fail). */
  readonly tamper?: (signed: string) => string
}

/** A zone served as-is, outside the trust anchor: answers from it are insecure (AD clear, no RRSIG). */
export type UnsignedZone = Pick<SignedZone, 'origin' | 'records'>

export type UnboundHandle = {
  /** `127.0.0.1:<port>`, the form the `dnssec.server` option takes. */
  readonly server: string
  readonly port: number
  readonly dir: string
  /** Unbound's log so far (validation failures are logged at val-log-level 2). */
  log(): string
  stop(): Promise<void>
}

const BINARIES = ['unbound', 'ldns-keygen', 'ldns-signzone'] as const

/** True when the Debian packages unbound and ldnsutils are installed. Runs `command -v`. */
export function unboundAvailable(): boolean {
  return BINARIES.every(
    (bin) => spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }).status === 0,
  )
}

function keygen(dir: string, origin: string, ksk: boolean): string {
  const args = ['-a', 'ECDSAP256SHA256', ...(ksk ? ['-k'] : []), origin]
  return execFileSync('ldns-keygen', args, { cwd: dir, encoding: 'utf8' }).trim()
}

/** Writes, signs and (optionally) tampers with the zone; returns the signed file and the KSK's DS. */
function signZone(dir: string, zone: SignedZone): { signedFile: string; anchorFile: string } {
  const { origin } = zone
  const zoneFile = join(dir, `${origin}.zone`)
  const header = [
    `$ORIGIN ${origin}.`,
    '$TTL 300',
    `@ IN SOA ns.${origin}. hostmaster.${origin}. 1 3600 600 86400 300`,
    `@ IN NS ns.${origin}.`,
    'ns IN A 127.0.0.1',
  ]
  writeFileSync(zoneFile, `${[...header, ...zone.records].join('\n')}\n`)
  const ksk = keygen(dir, origin, true)
  const zsk = keygen(dir, origin, false)
  execFileSync('ldns-signzone', [zoneFile, zsk, ksk], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] })
  const signedFile = `${zoneFile}.signed`
  if (zone.tamper !== undefined) writeFileSync(signedFile, zone.tamper(readFileSync(signedFile, 'utf8')))
  return { signedFile, anchorFile: join(dir, `${ksk}.ds`) }
}

function writeUnsigned(dir: string, zone: UnsignedZone): string {
  const file = join(dir, `${zone.origin}.unsigned.zone`)
  const header = [
    `$ORIGIN ${zone.origin}.`,
    '$TTL 300',
    `@ IN SOA ns.${zone.origin}. hostmaster.${zone.origin}. 1 3600 600 86400 300`,
    `@ IN NS ns.${zone.origin}.`,
    'ns IN A 127.0.0.1',
  ]
  writeFileSync(file, `${[...header, ...zone.records].join('\n')}\n`)
  return `auth-zone:
  name: "${zone.origin}"
  zonefile: "${file}"
  for-upstream: yes
  for-downstream: no
  fallback-enabled: no
`
}

function config(
  dir: string,
  port: number,
  origin: string,
  signedFile: string,
  anchorFile: string,
  extra = '',
): string {
  return `server:
  interface: 127.0.0.1
  port: ${port}
  do-ip6: no
  do-daemonize: no
  username: ""
  chroot: ""
  directory: "${dir}"
  pidfile: ""
  use-syslog: no
  logfile: ""
  verbosity: 1
  val-log-level: 2
  access-control: 127.0.0.0/8 allow
  module-config: "validator iterator"
  trust-anchor-file: "${anchorFile}"
  local-zone: "test." nodefault
remote-control:
  control-enable: no
auth-zone:
  name: "${origin}"
  zonefile: "${signedFile}"
  for-upstream: yes
  for-downstream: no
  fallback-enabled: no
${extra}`
}

/** Resolves once Unbound logs "start of service"; rejects if it exits first. */
function waitReady(child: ChildProcess, output: { text: string }): Promise<void> {
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      output.text += chunk.toString('utf8')
      if (output.text.includes('start of service')) resolve()
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', onData)
    child.once('exit', (code) =>
      reject(new Error(`unbound exited (${code}) before serving:\n${output.text}`)),
    )
    child.once('error', reject)
  })
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    child.once('exit', () => resolve())
    child.kill('SIGTERM')
  })
}

/**
 * Signs `zone` and starts Unbound for it on a free loopback port, also serving `unsigned` zones (not
 * under the trust anchor, so insecure). Does I/O; retries port races.
 */
export async function startUnbound(
  zone: SignedZone,
  unsigned: readonly UnsignedZone[] = [],
): Promise<UnboundHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'mua-sts-unbound-'))
  const { signedFile, anchorFile } = signZone(dir, zone)
  const extra = unsigned.map((z) => writeUnsigned(dir, z)).join('')
  for (let attempt = 1; ; attempt++) {
    const port = await freePort()
    const confFile = join(dir, 'unbound.conf')
    writeFileSync(confFile, config(dir, port, zone.origin, signedFile, anchorFile, extra))
    const child = spawn('unbound', ['-d', '-c', confFile], { stdio: ['ignore', 'pipe', 'pipe'] })
    const killOnExit = (): void => void child.kill('SIGKILL')
    process.once('exit', killOnExit)
    const output = { text: '' }
    try {
      await waitReady(child, output)
    } catch (error) {
      process.removeListener('exit', killOnExit)
      await stopChild(child)
      // Another process may have taken the port between freePort() and Unbound's bind.
      if (attempt < 3 && output.text.includes('could not open ports')) continue
      throw error
    }
    return {
      server: `127.0.0.1:${port}`,
      port,
      dir,
      log: () => output.text,
      stop: async () => {
        process.removeListener('exit', killOnExit)
        await stopChild(child)
        rmSync(dir, { recursive: true, force: true })
      },
    }
  }
}
