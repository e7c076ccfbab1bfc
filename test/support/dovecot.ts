// A real Dovecot 2.3 on 127.0.0.1 for interop tests: IMAP/POP3/submission, each with a STARTTLS
// port and an implicit-TLS port (RFC 8314 §3.3), started from a generated standalone config in a
// private temp dir (never /etc/dovecot), so several test files can each run their own instance.
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { randomBytes, X509Certificate } from 'node:crypto'
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { probeGreeting } from './greeting-probe.js'
import { freePorts } from './ports.js'
import { type RelayedMessage, startRelaySink } from './relay-sink.js'

export type { RelayedMessage }

const DOVECOT = '/usr/sbin/dovecot'
const DOVEADM = '/usr/bin/doveadm'
const SETPRIV = '/usr/bin/setpriv'
/** Dovecot refuses mail access as root (UID 0); mail is owned by nobody:nogroup instead. */
const MAIL_UID = 65534
const MAIL_GID = 65534
const READY_TIMEOUT_MS = 20_000
const STOP_TIMEOUT_MS = 10_000

export type DovecotOptions = {
  leaf: { key: string; cert: string }
  /** DEEP status, e.g. 'tls12 tls-cert <https://status.example.test/mail>': sent as IMAP ID "deep" and
   * capability DEEP. */
  deepStatus?: string
  user?: string
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

// Values are pasted into dovecot.conf and a passwd-file, so reject what would change their syntax.
function checkConfigValue(name: string, value: string, forbidden: RegExp): string {
  if (value === '' || forbidden.test(value)) {
    throw new Error(`startDovecot: options.${name} must be non-empty and must not match ${forbidden}`)
  }
  return value
}

type Layout = { dir: string; conf: string; logPath: string; certPath: string; keyPath: string; mailDir: string }

function renderConfig(l: Layout, ports: DovecotPorts, relayPort: number, o: Required<DovecotOptions>): string {
  const deep =
    o.deepStatus === ''
      ? []
      : [
          // The ID response (RFC 2971) carries the DEEP status as field "deep"; the value is an
          // IMAP quoted string, which is why '"' and '\' are refused above.
          'imap_capability = +DEEP',
          `imap_id_send = name * "deep" "${o.deepStatus}"`,
        ]
  return [
    `base_dir = ${l.dir}/run`,
    `state_dir = ${l.dir}/state`,
    `log_path = ${l.logPath}`,
    'protocols = imap pop3 submission',
    'listen = 127.0.0.1',
    'hostname = mail.example.test',
    'ssl = required',
    `ssl_cert = <${l.certPath}`,
    `ssl_key = <${l.keyPath}`,
    'ssl_min_protocol = TLSv1.2',
    'disable_plaintext_auth = yes',
    'auth_mechanisms = plain login',
    'auth_verbose = yes',
    // A wrong-password test must not slow down the next login of the same file by 2 s.
    'auth_failure_delay = 0',
    'mail_max_userip_connections = 100',
    `mail_location = maildir:${l.mailDir}`,
    ...deep,
    'passdb {',
    '  driver = passwd-file',
    `  args = scheme=PLAIN username_format=%u ${l.dir}/passwd`,
    '}',
    'userdb {',
    '  driver = static',
    `  args = uid=${MAIL_UID} gid=${MAIL_GID} home=${l.mailDir}`,
    '}',
    ...listeners('imap-login', 'imap', ports.imap, 'imaps', ports.imaps),
    ...listeners('pop3-login', 'pop3', ports.pop3, 'pop3s', ports.pop3s),
    ...listeners('submission-login', 'submission', ports.submission, 'submissions', ports.submissions),
    // Dovecot submission is a proxy: after AUTH it opens its own SMTP session to this relay.
    'submission_relay_host = 127.0.0.1',
    `submission_relay_port = ${relayPort}`,
    'submission_relay_trusted = yes',
    o.extraConfig,
    '',
  ].join('\n')
}

function listeners(service: string, plain: string, plainPort: number, tls: string, tlsPort: number): string[] {
  return [
    `service ${service} {`,
    `  inet_listener ${plain} {\n    port = ${plainPort}\n  }`,
    `  inet_listener ${tls} {\n    port = ${tlsPort}\n    ssl = yes\n  }`,
    '}',
  ]
}

function writeAtomically(path: string, data: string, mode: number): void {
  const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`
  writeFileSync(tmp, data, { mode })
  renameSync(tmp, path)
}

function fingerprintOf(certPem: string): string {
  return new X509Certificate(certPem).fingerprint256
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
    for (const c of running) c.kill('SIGKILL')
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
      if (res.fingerprint !== undefined && res.fingerprint !== r.fingerprint) return [`${name}: old certificate`]
      return []
    })
    if (pending.length === 0) return
    last = pending.join('; ')
    if (Date.now() > deadline) throw new Error(`dovecot not serving after ${READY_TIMEOUT_MS} ms while ${why}: ${last}\n${log()}`)
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
    deepStatus: opts.deepStatus === undefined ? '' : checkConfigValue('deepStatus', opts.deepStatus, /["\\\r\n\0]/),
    user: checkConfigValue('user', opts.user ?? 'alice@example.test', /[\s:"\\%/\0]|^\./),
    password: checkConfigValue('password', opts.password ?? `dovecot-${randomBytes(9).toString('base64url')}`, /[:\r\n\0]/),
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
  const cleanupAfterFailure = async (master?: ChildProcess): Promise<void> => {
    if (master) {
      master.kill('SIGKILL')
      await waitForExit(master, STOP_TIMEOUT_MS)
    }
    await sink.close()
    rmSync(dir, { recursive: true, force: true })
  }

  let master: ChildProcess | undefined
  let ports: DovecotPorts | undefined
  for (let attempt = 1; master === undefined; attempt++) {
    const [imap, imaps, pop3, pop3s, submission, submissions] = await freePorts(6)
    const candidate = { imap, imaps, pop3, pop3s, submission, submissions } as DovecotPorts
    writeFileSync(l.conf, renderConfig(l, candidate, sink.port, o))
    // -F keeps the master our child, so stop() can wait for it; pdeathsig kills it if we die.
    const argv = [DOVECOT, '-F', '-c', l.conf]
    const child = existsSync(SETPRIV)
      ? spawn(SETPRIV, ['--pdeathsig', 'KILL', '--', ...argv], { stdio: ['ignore', 'ignore', 'pipe'] })
      : spawn(argv[0] as string, argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] })
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk
    })
    trackUntilExit(child)
    try {
      await waitUntilServing(
        { ports: candidate, servername: 'mail.example.test', fingerprint: fingerprintOf(o.leaf.cert), master: child },
        log,
        'starting',
      )
      master = child
      ports = candidate
    } catch (error) {
      const portTaken = /Address already in use/.test(log())
      child.kill('SIGKILL')
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
        { ports: livePorts, servername: 'mail.example.test', fingerprint: fingerprintOf(leaf.cert), master: liveMaster },
        log,
        'reloading with a new certificate',
      )
    },
    async stop(): Promise<void> {
      if (stopped) return
      stopped = true
      // SIGTERM lets the master stop its services (shutdown_clients) before it exits.
      liveMaster.kill('SIGTERM')
      if (!(await waitForExit(liveMaster, STOP_TIMEOUT_MS))) {
        liveMaster.kill('SIGKILL')
        await waitForExit(liveMaster, STOP_TIMEOUT_MS)
      }
      await sink.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
