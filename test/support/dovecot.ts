// A real Dovecot 2.3 on 127.0.0.1 for interop tests: IMAP/POP3/submission, each with a STARTTLS
// port and an implicit-TLS port (RFC 8314 §3.3), started from a generated standalone config in a
// private temp dir (never /etc/dovecot), so several test files can each run their own instance.
// Caveat: Dovecot treats a client whose IP equals the local IP as secured, so on loopback it accepts
// LOGIN/USER/AUTH in cleartext despite ssl=required; only the client side can be tested for that.
import { type ChildProcess, execFile, type SpawnOptions, spawn } from 'node:child_process'
import { randomBytes, X509Certificate } from 'node:crypto'
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { connect as connectTcp } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { checkConfigValue, type Layout, MAIL_GID, MAIL_UID, renderConfig } from './dovecot-config.js'
import { probeGreeting } from './greeting-probe.js'
import { freePorts } from './ports.js'
import { type RelayedMessage, startRelaySink } from './relay-sink.js'

export type { RelayedMessage }

const DOVECOT = '/usr/sbin/dovecot'
const DOVEADM = '/usr/bin/doveadm'
const SETPRIV = '/usr/bin/setpriv'
const READY_TIMEOUT_MS = 20_000
const STOP_TIMEOUT_MS = 10_000

export type DovecotOptions = {
  leaf: { key: string; cert: string }
  /** DEEP status, e.g. 'tls12 tls-cert <https://status.example.test/mail>': sent as IMAP ID "deep" and
   * capability DEEP. */
  deepStatus?: string
  /** The only account (passwd-file passdb). Default 'alice@example.test'. */
  user?: string
  /** Default: random per instance, so a wire log can be searched for it. */
  password?: string
  /** Raw dovecot.conf lines appended last (a repeated setting overrides the earlier one). */
  extraConfig?: string
}

export type DovecotPorts = {
  imap: number
  imaps: number
  pop3: number
  pop3s: number
  submission: number
  submissions: number
}

export type Dovecot = {
  host: '127.0.0.1'
  ports: DovecotPorts
  user: string
  password: string
  /** Maildir of the user's INBOX (cur/ new/ tmp/). */
  mailDir: string
  /** The hostname the test leaves are issued for; use it as TLS servername. */
  servername: string
  /** Puts a message into INBOX (maildir new/), visible to the next IMAP SELECT or POP3 login. */
  deliver(rfc822: string): Promise<void>
  /** Messages Dovecot submission relayed to the in-process SMTP sink, in order. */
  relayed: RelayedMessage[]
  /** Installs a new leaf, reloads Dovecot and resolves once every implicit-TLS port presents it. */
  swapCertificate(leaf: { key: string; cert: string }): Promise<void>
  /** Dovecot's log so far (master stderr + log_path), for assertions and failure messages. */
  log(): string
  stop(): Promise<void>
}

/** Dovecot can run here: the binaries exist and we are root (it drops privileges per service). */
export function dovecotAvailable(): boolean {
  return process.getuid?.() === 0 && existsSync(DOVECOT) && existsSync(DOVEADM)
}

function writeAtomically(path: string, data: string, mode: number): void {
  const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`
  writeFileSync(tmp, data, { mode })
  renameSync(tmp, path)
}

function fingerprintOf(certPem: string): string {
  return new X509Certificate(certPem).fingerprint256
}

/** Kills the master and every service it forked: they share the process group `detached` made. */
function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return
  try {
    process.kill(-child.pid, 'SIGKILL')
  } catch {
    // ESRCH: the group is already gone.
  }
}

const running = new Set<ChildProcess>()
let exitHookInstalled = false
function trackUntilExit(child: ChildProcess): void {
  running.add(child)
  child.once('exit', () => running.delete(child))
  if (exitHookInstalled) return
  exitHookInstalled = true
  // Backstop for a test file that forgets stop(); setpriv --pdeathsig covers a killed worker.
  process.once('exit', () => {
    for (const c of running) killGroup(c)
  })
}

function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true)
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms)
    child.once('exit', () => {
      clearTimeout(timer)
      resolve(true)
    })
  })
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connectTcp({ host: '127.0.0.1', port })
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

/** Each process of the killed group exits on its own; stop() returns once no port accepts. */
async function waitUntilClosed(ports: number[]): Promise<void> {
  const deadline = Date.now() + STOP_TIMEOUT_MS
  while ((await Promise.all(ports.map(accepts))).some(Boolean)) {
    if (Date.now() > deadline) throw new Error(`dovecot ports still open after stop: ${ports.join(', ')}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

type Readiness = { ports: DovecotPorts; servername: string; fingerprint: string; master: ChildProcess }

/** Polls until all six ports greet (so the auth process is up) and TLS ports present `fingerprint`. */
async function waitUntilServing(r: Readiness, log: () => string, why: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS
  const plan: Array<[keyof DovecotPorts, boolean]> = [
    ['imap', false],
    ['imaps', true],
    ['pop3', false],
    ['pop3s', true],
    ['submission', false],
    ['submissions', true],
  ]
  let last = ''
  for (;;) {
    if (r.master.exitCode !== null || r.master.signalCode !== null) {
      throw new Error(`dovecot exited (${r.master.exitCode ?? r.master.signalCode}) while ${why}\n${log()}`)
    }
    const results = await Promise.all(
      plan.map(([name, tls]) => probeGreeting({ port: r.ports[name], tls, servername: r.servername })),
    )
    const pending = results.flatMap((res, i) => {
      const name = plan[i]?.[0] ?? '?'
      if (!res.ok) return [`${name}: ${res.reason}`]
      if (res.fingerprint !== undefined && res.fingerprint !== r.fingerprint)
        return [`${name}: old certificate`]
      return []
    })
    if (pending.length === 0) return
    last = pending.join('; ')
    if (Date.now() > deadline)
      throw new Error(`dovecot not serving after ${READY_TIMEOUT_MS} ms while ${why}: ${last}\n${log()}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

/**
 * Starts a Dovecot master in the foreground (as root, dropping to its own service users) and resolves
 * once every port greets. Retries with new ports if another process took one of them meanwhile.
 */
export async function startDovecot(opts: DovecotOptions): Promise<Dovecot> {
  const o: Required<DovecotOptions> = {
    leaf: opts.leaf,
    deepStatus:
      opts.deepStatus === undefined ? '' : checkConfigValue('deepStatus', opts.deepStatus, /["\\\r\n\0]/),
    user: checkConfigValue('user', opts.user ?? 'alice@example.test', /[\s:"\\%/\0]|^\./),
    password: checkConfigValue(
      'password',
      opts.password ?? `dovecot-${randomBytes(9).toString('base64url')}`,
      /[:\r\n\0]/,
    ),
    extraConfig: opts.extraConfig ?? '',
  }
  const dir = mkdtempSync(join(tmpdir(), 'mua-sts-dovecot-'))
  // The service users (dovecot, dovenull, nobody) must traverse it; mkdtemp makes it 0700.
  chmodSync(dir, 0o755)
  const l: Layout = {
    dir,
    conf: join(dir, 'dovecot.conf'),
    logPath: join(dir, 'dovecot.log'),
    certPath: join(dir, 'server.crt'),
    keyPath: join(dir, 'server.key'),
    mailDir: join(dir, 'mail', o.user),
  }
  for (const sub of ['run', 'state']) mkdirSync(join(dir, sub))
  mkdirSync(join(dir, 'mail'), { mode: 0o755 })
  for (const sub of ['', 'cur', 'new', 'tmp']) {
    mkdirSync(join(l.mailDir, sub), { recursive: true, mode: 0o700 })
    chownSync(join(l.mailDir, sub), MAIL_UID, MAIL_GID)
  }
  writeAtomically(l.certPath, o.leaf.cert, 0o644)
  writeAtomically(l.keyPath, o.leaf.key, 0o600)
  writeFileSync(join(dir, 'passwd'), `${o.user}:{PLAIN}${o.password}\n`, { mode: 0o644 })

  const sink = await startRelaySink()
  let stderr = ''
  const log = (): string => stderr + (existsSync(l.logPath) ? readFileSync(l.logPath, 'utf8') : '')
  const cleanupAfterFailure = async (): Promise<void> => {
    await sink.close()
    rmSync(dir, { recursive: true, force: true })
  }

  let master: ChildProcess | undefined
  let ports: DovecotPorts | undefined
  for (let attempt = 1; master === undefined; attempt++) {
    const [imap, imaps, pop3, pop3s, submission, submissions] = await freePorts(6)
    const candidate = { imap, imaps, pop3, pop3s, submission, submissions } as DovecotPorts
    writeFileSync(l.conf, renderConfig(l, candidate, sink.port, o))
    // -F keeps the master our child, so stop() can wait for it; pdeathsig kills it if this test
    // process dies without stop(), and Dovecot's services exit by themselves when their master dies.
    const argv = [DOVECOT, '-F', '-c', l.conf]
    const spawnOpts: SpawnOptions = { stdio: ['ignore', 'ignore', 'pipe'], detached: true }
    const child = existsSync(SETPRIV)
      ? spawn(SETPRIV, ['--pdeathsig', 'KILL', '--', ...argv], spawnOpts)
      : spawn(argv[0] as string, argv.slice(1), spawnOpts)
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk
    })
    trackUntilExit(child)
    try {
      await waitUntilServing(
        {
          ports: candidate,
          servername: 'mail.example.test',
          fingerprint: fingerprintOf(o.leaf.cert),
          master: child,
        },
        log,
        'starting',
      )
      master = child
      ports = candidate
    } catch (error) {
      const portTaken = /Address already in use/.test(log())
      killGroup(child)
      await waitForExit(child, STOP_TIMEOUT_MS)
      if (!portTaken || attempt >= 5) {
        await cleanupAfterFailure()
        throw error
      }
      stderr = ''
      rmSync(l.logPath, { force: true })
    }
  }
  const liveMaster = master
  const livePorts = ports as DovecotPorts

  let delivered = 0
  let stopped = false
  return {
    host: '127.0.0.1',
    ports: livePorts,
    user: o.user,
    password: o.password,
    mailDir: l.mailDir,
    servername: 'mail.example.test',
    relayed: sink.relayed,
    log,
    async deliver(rfc822: string): Promise<void> {
      // Maildir delivery: write under tmp/, then rename into new/ so no reader sees a partial file.
      delivered += 1
      const name = `${Math.floor(Date.now() / 1000)}.M${delivered}P${process.pid}.mua-sts-test`
      const tmp = join(l.mailDir, 'tmp', name)
      writeFileSync(tmp, rfc822, { mode: 0o600 })
      chownSync(tmp, MAIL_UID, MAIL_GID)
      renameSync(tmp, join(l.mailDir, 'new', name))
    },
    async swapCertificate(leaf: { key: string; cert: string }): Promise<void> {
      writeAtomically(l.certPath, leaf.cert, 0o644)
      writeAtomically(l.keyPath, leaf.key, 0o600)
      // `ssl_cert = <file` is read when the config is (re)loaded, not per handshake.
      await promisify(execFile)(DOVEADM, ['-c', l.conf, 'reload'])
      await waitUntilServing(
        {
          ports: livePorts,
          servername: 'mail.example.test',
          fingerprint: fingerprintOf(leaf.cert),
          master: liveMaster,
        },
        log,
        'reloading with a new certificate',
      )
    },
    async stop(): Promise<void> {
      if (stopped) return
      stopped = true
      // Not SIGTERM: Dovecot's graceful shutdown sleeps about a second waiting for its services, and
      // everything this instance holds is thrown away below anyway.
      killGroup(liveMaster)
      if (!(await waitForExit(liveMaster, STOP_TIMEOUT_MS))) throw new Error(`dovecot did not exit\n${log()}`)
      await waitUntilClosed(Object.values(livePorts))
      await sink.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
