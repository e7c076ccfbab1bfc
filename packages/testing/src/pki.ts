// A test PKI made on the spot in pure JavaScript (WebCrypto + @peculiar/x509), so the demo and users'
// tests need nothing but Node. ECDSA P-256 keys; leaves carry DNS/IP SANs checked per RFC 7817.
// @peculiar/x509 resolves its services through tsyringe, which needs the Reflect metadata polyfill.
import 'reflect-metadata'
import { createHash, X509Certificate as NodeX509, webcrypto } from 'node:crypto'
import * as x509 from '@peculiar/x509'

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0])

type KeyPair = webcrypto.CryptoKeyPair

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const

export type PkiLeaf = {
  readonly key: string
  readonly cert: string
  /** base64 SHA-256 of the DER SubjectPublicKeyInfo (RFC 7469 pin format). */
  readonly spki: string
}
export type Pki = {
  readonly caCert: string
  readonly otherCaCert: string
  /** Valid for the given names under the trusted CA. */
  readonly good: PkiLeaf
  /** Same names and CA, different key. */
  readonly rekeyed: PkiLeaf
  /** Trusted CA, wrong name. */
  readonly wrongHost: PkiLeaf
  /** Trusted CA and names, validity ended in 2021. */
  readonly expired: PkiLeaf
  /** Right names, untrusted CA. */
  readonly otherCa: PkiLeaf
}

type Ca = { cert: x509.X509Certificate; keys: KeyPair }

function pem(label: string, der: ArrayBuffer): string {
  const b64 = Buffer.from(der)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
  return `-----BEGIN ${label}-----\n${b64.trimEnd()}\n-----END ${label}-----\n`
}

export function spkiOfPem(certPem: string): string {
  const der = new NodeX509(certPem).publicKey.export({ type: 'spki', format: 'der' })
  return createHash('sha256').update(der).digest('base64')
}

async function keys(): Promise<KeyPair> {
  return (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as KeyPair
}

let serial = 1
async function makeCa(cn: string): Promise<Ca> {
  const k = await keys()
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: (serial++).toString(16).padStart(2, '0'),
    name: `CN=${cn}`,
    notBefore: new Date('2025-01-01T00:00:00Z'),
    notAfter: new Date('2045-01-01T00:00:00Z'),
    keys: k,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  })
  return { cert, keys: k }
}

async function issue(
  ca: Ca,
  names: readonly string[],
  notAfter = new Date('2045-01-01T00:00:00Z'),
  reuse?: KeyPair,
): Promise<PkiLeaf> {
  const k = reuse ?? (await keys())
  const sans = names.map((n) =>
    /^[\d.]+$/.test(n) ? { type: 'ip' as const, value: n } : { type: 'dns' as const, value: n },
  )
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: (serial++).toString(16).padStart(2, '0'),
    subject: `CN=${names[0] ?? 'leaf'}`,
    issuer: ca.cert.subject,
    notBefore: new Date(
      notAfter.getTime() < Date.parse('2025-01-01') ? '2020-01-01T00:00:00Z' : '2025-01-01T00:00:00Z',
    ),
    notAfter,
    signingKey: ca.keys.privateKey,
    publicKey: k.publicKey,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(sans),
    ],
  })
  const certPem = cert.toString('pem')
  const key = pem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', k.privateKey))
  return { key, cert: `${certPem}\n`, spki: spkiOfPem(certPem) }
}

/**
 * Generates a fresh PKI: a trusted CA, an untrusted one, and leaves for `names` (default: the demo
 * hosts plus localhost and 127.0.0.1). Pure computation; about 50 ms.
 */
export async function generatePki(
  names: readonly string[] = ['mail.example.test', '*.example.test', 'localhost', '127.0.0.1'],
): Promise<Pki> {
  const ca = await makeCa('mua-sts demo CA')
  const other = await makeCa('mua-sts untrusted CA')
  return {
    caCert: `${ca.cert.toString('pem')}\n`,
    otherCaCert: `${other.cert.toString('pem')}\n`,
    good: await issue(ca, names),
    rekeyed: await issue(ca, names),
    wrongHost: await issue(ca, ['wrong.example.invalid']),
    expired: await issue(ca, names, new Date('2021-01-01T00:00:00Z')),
    otherCa: await issue(other, names),
  }
}
