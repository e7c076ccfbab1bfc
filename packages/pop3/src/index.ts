/**
 * `@mua-sts/pop3`: a strict, promise-based POP3 client that never speaks POP3 in cleartext beyond
 * CAPA and STLS, and never sends a credential before the caller's policy gate approved the live TLS
 * connection.
 *
 * ```ts
 * const client = await Pop3Client.connect({
 *   host: 'pop.example.net', port: 995, transport: 'implicit-tls',
 *   tls: { ca, servername: 'pop.example.net' },
 *   gate: async (ctx) => { if (ctx.socket.getProtocol() !== 'TLSv1.3') throw new Error('policy') },
 * })
 * await client.login({ user: 'alice', pass })
 * const { count } = await client.stat()
 * for await (const chunk of await client.retr(1)) process.stdout.write(chunk)
 * await client.quit()
 * ```
 *
 * Failures before TLS is up carry `err.anomaly` ({@link Pop3PreTlsAnomaly}) so the policy engine can
 * record an observation (e.g. `starttls_not_offered` for a stripping attack); match on `err.code`.
 * @packageDocumentation
 */
export type { Pop3PreTlsAnomaly, Pop3PreTlsAnomalyCode } from './anomaly.js'
export { type Pop3Credentials, Pop3CredentialsSchema } from './auth.js'
export { Pop3Client } from './client.js'
export { isPop3Error, Pop3Error, Pop3ErrorCode, type Pop3Step } from './errors.js'
export type { Pop3Gate, Pop3GateContext } from './gate.js'
export type { Pop3ListEntry, Pop3Stat, Pop3UidEntry } from './listings.js'
export {
  type Pop3ConnectOptions,
  Pop3ConnectOptionsSchema,
  Pop3TlsOptionsSchema,
} from './options.js'
