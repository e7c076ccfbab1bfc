// Test PKI generated at test time with the real openssl CLI, so no certificate in the repo can rot.
// Every leaf is issued through `openssl ca` so that validity dates can be set (expired leaves).
import { execFileSync } from 'node:child_process'
import { createHash, X509Certificate } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export type Leaf = {
  readonly key: string
  readonly cert: string
  /** base64 SHA-256 of the leaf's DER SubjectPublicKeyInfo (RFC 7469 pin format). */
  readonly spki: string
}
export type TestPki = {
  readonly dir: string
  readonly caCert: string
  readonly otherCaCert: string
  /** Valid for mail.example.test, *.example.test, localhost and 127.0.0.1. */
  readonly good: Leaf
  /** Same names and CA as `good`, but a different key: a re-keyed server. */
  readonly rekeyed: Leaf
  /** Valid chain, wrong name (only wrong.example.invalid). */
  readonly wrongHost: Leaf
  /** Right names and CA, validity ended in 2021. */
  readonly expired: Leaf
  /** Right names, issued by a CA the client does not trust. */
  readonly otherCa: Leaf
  /** Self-signed certificate with the right names. */
  readonly selfSigned: Leaf
}

const SANS = 'DNS:mail.example.test,DNS:*.example.test,DNS:example.test,DNS:localhost,IP:127.0.0.1'

function run(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] })
}

export function spkiOf(certPem: string): string {
  const der = new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' })
  return createHash('sha256').update(der).digest('base64')
}

function newKey(dir: string, name: string): string {
  const path = join(dir, `${name}.key`)
  run(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', path], dir)
  return path
}

function makeCa(dir: string, name: string, cn: string): { key: string; cert: string } {
  const caDir = join(dir, name)
  mkdirSync(join(caDir, 'new'), { recursive: true })
  writeFileSync(join(caDir, 'index.txt'), '')
  writeFileSync(join(caDir, 'serial'), '1000\n')
  const key = newKey(dir, name)
  const cert = join(dir, `${name}.crt`)
  run(
    [
      'req',
      '-x509',
      '-new',
      '-key',
      key,
      '-subj',
      `/CN=${cn}`,
      '-days',
      '3650',
      '-out',
      cert,
      '-sha256',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    dir,
  )
  const conf = `[ca]\ndefault_ca=ca\n[ca]\ndir=${caDir}\ndatabase=${caDir}/index.txt\nserial=${caDir}/serial\nnew_certs_dir=${caDir}/new\ncertificate=${cert}\nprivate_key=${key}\ndefault_md=sha256\npolicy=p\nunique_subject=no\ncopy_extensions=copy\n[p]\ncommonName=supplied\n`
  writeFileSync(join(caDir, 'ca.cnf'), conf)
  return { key, cert }
}

function issue(
  dir: string,
  caName: string,
  name: string,
  opts: { sans?: string; start?: string; end?: string; key?: string } = {},
): Leaf {
  const key = opts.key ?? newKey(dir, name)
  const csr = join(dir, `${name}.csr`)
  const cert = join(dir, `${name}.crt`)
  const sans = opts.sans ?? SANS
  run(
    [
      'req',
      '-new',
      '-key',
      key,
      '-subj',
      '/CN=mail.example.test',
      '-addext',
      `subjectAltName=${sans}`,
      '-out',
      csr,
    ],
    dir,
  )
  run(
    [
      'ca',
      '-batch',
      '-config',
      join(dir, caName, 'ca.cnf'),
      '-in',
      csr,
      '-out',
      cert,
      '-notext',
      '-startdate',
      opts.start ?? '20250101000000Z',
      '-enddate',
      opts.end ?? '20451231000000Z',
    ],
    dir,
  )
  const certPem = readFileSync(cert, 'utf8')
  return { key: readFileSync(key, 'utf8'), cert: certPem, spki: spkiOf(certPem) }
}

/** Generates a fresh test PKI in a temporary directory (about 150 ms). */
export function generateTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'mua-sts-pki-'))
  // Keys live only as long as the process that made them.
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }))
  const ca = makeCa(dir, 'ca', 'mua-sts Test CA')
  const other = makeCa(dir, 'other', 'mua-sts Untrusted CA')
  const good = issue(dir, 'ca', 'good')
  const selfKey = newKey(dir, 'self')
  const selfCert = join(dir, 'self.crt')
  run(
    [
      'req',
      '-x509',
      '-new',
      '-key',
      selfKey,
      '-subj',
      '/CN=mail.example.test',
      '-days',
      '3650',
      '-addext',
      `subjectAltName=${SANS}`,
      '-out',
      selfCert,
    ],
    dir,
  )
  const selfPem = readFileSync(selfCert, 'utf8')
  return {
    dir,
    caCert: readFileSync(ca.cert, 'utf8'),
    otherCaCert: readFileSync(other.cert, 'utf8'),
    good,
    rekeyed: issue(dir, 'ca', 'rekeyed'),
    wrongHost: issue(dir, 'ca', 'wrong', { sans: 'DNS:wrong.example.invalid' }),
    expired: issue(dir, 'ca', 'expired', { start: '20200101000000Z', end: '20210101000000Z' }),
    otherCa: issue(dir, 'other', 'otherca'),
    selfSigned: { key: readFileSync(selfKey, 'utf8'), cert: selfPem, spki: spkiOf(selfPem) },
  }
}

let cached: TestPki | undefined
/** One PKI per test process; tests that need a fresh one call generateTestPki(). */
export function testPki(): TestPki {
  cached ??= generateTestPki()
  return cached
}
