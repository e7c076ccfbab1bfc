// Certificates for DANE tests, made on the spot (WebCrypto + @peculiar/x509), so no fixture rots:
// a self-signed server certificate (the DANE-EE `3 1 1` case), and a private CA → intermediate →
// leaf hierarchy (the DANE-TA `2 0 1` case), plus the failure classes the matcher must refuse.
import 'reflect-metadata'
import { webcrypto } from 'node:crypto'
import * as x509 from '@peculiar/x509'

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0])

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const
type Keys = webcrypto.CryptoKeyPair

export type TestCert = {
  readonly der: Uint8Array
  readonly pem: string
  /** PKCS#8 PEM of the private key, for a TLS server. */
  readonly key: string
  readonly keys: Keys
  readonly cert: x509.X509Certificate
}

function pem(label: string, der: ArrayBuffer): string {
  const b64 = Buffer.from(der)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
  return `-----BEGIN ${label}-----\n${b64.trimEnd()}\n-----END ${label}-----\n`
}

let serial = 0x1000
const nextSerial = (): string => (serial++).toString(16)
const newKeys = async (): Promise<Keys> =>
  (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as Keys

async function wrap(cert: x509.X509Certificate, keys: Keys): Promise<TestCert> {
  return {
    der: new Uint8Array(cert.rawData),
    pem: `${cert.toString('pem')}\n`,
    key: pem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)),
    keys,
    cert,
  }
}

const VALID = { notBefore: new Date('2025-01-01T00:00:00Z'), notAfter: new Date('2045-01-01T00:00:00Z') }
const EXPIRED = { notBefore: new Date('2019-01-01T00:00:00Z'), notAfter: new Date('2021-01-01T00:00:00Z') }
const sans = (names: readonly string[]) =>
  new x509.SubjectAlternativeNameExtension(
    names.map((n) =>
      /^[\d.]+$/.test(n) ? { type: 'ip' as const, value: n } : { type: 'dns' as const, value: n },
    ),
  )

/** A self-signed server certificate (not a CA) for `names`. */
export async function selfSigned(names: readonly string[], validity = VALID): Promise<TestCert> {
  const keys = await newKeys()
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: nextSerial(),
    name: `CN=${names[0] ?? 'self'}`,
    ...validity,
    keys,
    signingAlgorithm: ALG,
    extensions: [new x509.BasicConstraintsExtension(false, undefined, true), sans(names)],
  })
  return wrap(cert, keys)
}

/** A self-signed CA. */
export async function rootCa(cn: string): Promise<TestCert> {
  const keys = await newKeys()
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: nextSerial(),
    name: `CN=${cn}`,
    ...VALID,
    keys,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  })
  return wrap(cert, keys)
}

export type IssueOptions = {
  readonly ca?: boolean
  readonly names?: readonly string[]
  readonly validity?: { notBefore: Date; notAfter: Date }
  /** Claim `issuer`'s name but sign with this other key (a forged link). */
  readonly signWith?: Keys
}

/** A certificate issued by `issuer`: an intermediate CA (`ca: true`) or a server leaf for `names`. */
export async function issue(issuer: TestCert, cn: string, options: IssueOptions = {}): Promise<TestCert> {
  const keys = await newKeys()
  const ca = options.ca === true
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: nextSerial(),
    subject: `CN=${cn}`,
    issuer: issuer.cert.subject,
    ...(options.validity ?? VALID),
    signingKey: (options.signWith ?? issuer.keys).privateKey,
    publicKey: keys.publicKey,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(ca, undefined, true),
      ca
        ? new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true)
        : new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      ...(options.names === undefined ? [] : [sans(options.names)]),
    ],
  })
  return wrap(cert, keys)
}

export { EXPIRED, VALID }

/** A private CA → intermediate → leaf hierarchy for `names`. */
export async function privateHierarchy(names: readonly string[]) {
  const root = await rootCa('mua-sts DANE test root')
  const intermediate = await issue(root, 'mua-sts DANE test intermediate', { ca: true })
  const leaf = await issue(intermediate, names[0] ?? 'leaf', { names })
  return { root, intermediate, leaf }
}
