// Connect options: the trust boundary between the application and the POP3 client (house style H14/H15).
// Validated eagerly with zod; unknown keys are rejected so that `session`, `secureContext`, a cleartext
// transport or a TLS floor below 1.2 cannot be smuggled in.
import type { ConnectionOptions, PeerCertificate } from 'node:tls'
import { z } from 'zod'
import { Pop3Error, Pop3ErrorCode } from './errors.js'
import type { Pop3Gate } from './gate.js'

const pem = z.union([z.string().min(1), z.instanceof(Buffer)])
const fn = <T>(what: string) => z.custom<T>((v) => typeof v === 'function', { message: `expected ${what}` })
const ms = z.int().min(1).max(3_600_000)
const bytes = z.int().min(1).max(Number.MAX_SAFE_INTEGER)
const tlsVersion = z.enum(['TLSv1.2', 'TLSv1.3'])
// A DNS name or IP literal; no spaces, controls or URL syntax.
const hostname = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[A-Za-z0-9.:_-]+$/, 'expected a hostname or IP address')

/** Default per-step deadline (connect, greeting, handshake), in milliseconds. */
export const DEFAULT_STEP_MS = 15_000
/** Default deadline for a command reply (and the idle deadline of a streamed body), in milliseconds. */
export const DEFAULT_COMMAND_MS = 30_000
/** Default cap for RETR and TOP bodies (decoded octets). */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024
/** Default cap for LIST and UIDL responses (decoded octets). */
export const DEFAULT_MAX_LISTING_BYTES = 8 * 1024 * 1024

/** The only TLS settings a caller may influence; everything else (session, contexts, ciphers) is fixed. */
export const Pop3TlsOptionsSchema = z
  .strictObject({
    /** Trust anchors (PEM). Default: Node's bundled roots. */
    ca: z.union([pem, z.array(pem).min(1)]).optional(),
    /** SNI and the name checked against the certificate (RFC 7817). Default: `host` unless it is an IP. */
    servername: hostname.optional(),
    /** TLS floor. RFC 8997 / RFC 8314 §5 as updated: nothing below TLS 1.2. */
    minVersion: tlsVersion.default('TLSv1.2'),
    maxVersion: tlsVersion.optional(),
    /** Keep `true` unless the gate checks a pinned certificate itself (`socket.authorized` is then false). */
    rejectUnauthorized: z.boolean().default(true),
    /** In-handshake identity check, e.g. an SPKI pin as defence in depth. Default: Node's RFC 6125 check. */
    checkServerIdentity:
      fn<(host: string, cert: PeerCertificate) => Error | undefined>('a function').optional(),
  })
  .refine((t) => t.maxVersion === undefined || t.maxVersion >= t.minVersion, {
    message: 'maxVersion must not be below minVersion',
    path: ['maxVersion'],
  })

/** Schema of {@link Pop3ConnectOptions}; exported so setup code can validate stored account settings. */
export const Pop3ConnectOptionsSchema = z.strictObject({
  host: hostname,
  port: z.int().min(1).max(65535),
  /** `implicit-tls`: TLS from the first byte (RFC 8314, port 995). `starttls`: STLS required (RFC 2595 §4). */
  transport: z.enum(['implicit-tls', 'starttls']),
  tls: Pop3TlsOptionsSchema.prefault({}),
  /** Called once after TLS and the post-TLS CAPA, before any credential command; throw to refuse. */
  gate: fn<Pop3Gate>('a gate function'),
  timeouts: z
    .strictObject({
      connectMs: ms.default(DEFAULT_STEP_MS),
      greetingMs: ms.default(DEFAULT_STEP_MS),
      handshakeMs: ms.default(DEFAULT_STEP_MS),
      /** Whole-response deadline for single-line replies and CAPA; idle deadline for streamed bodies. */
      commandMs: ms.default(DEFAULT_COMMAND_MS),
      gateMs: ms.default(DEFAULT_COMMAND_MS),
    })
    .prefault({}),
  limits: z
    .strictObject({
      /** Default cap for RETR and TOP bodies (decoded octets). */
      maxMessageBytes: bytes.default(DEFAULT_MAX_MESSAGE_BYTES),
      /** Cap for LIST and UIDL responses (decoded octets). */
      maxListingBytes: bytes.default(DEFAULT_MAX_LISTING_BYTES),
    })
    .prefault({}),
})

/** What `Pop3Client.connect()` accepts. */
export type Pop3ConnectOptions = z.input<typeof Pop3ConnectOptionsSchema>
/** Options after defaults are applied. */
export type ParsedConnectOptions = z.output<typeof Pop3ConnectOptionsSchema>

/**
 * Validates `input` against `schema` and returns the parsed value. Does no I/O.
 * @throws Pop3Error `MUASTS_ERR_INVALID_OPTION`, naming each failing option path; zod issues in `cause`.
 *   Messages never contain the offending values, so a credential typed into the wrong field does not leak.
 */
export function parseOptions<S extends z.ZodType>(schema: S, input: unknown, label: string): z.output<S> {
  const result = schema.safeParse(input)
  if (result.success) return result.data
  const problems = result.error.issues.map((i) => {
    const path = i.path.length > 0 ? `.${i.path.map(String).join('.')}` : ''
    return `${label}${path}: ${i.message}`
  })
  throw new Pop3Error(Pop3ErrorCode.InvalidOption, problems.join('; '), { cause: result.error })
}

/** Node TLS options built only from validated fields; `session` is never set (no resumption). */
export function nodeTlsOptions(o: ParsedConnectOptions, servername: string | undefined): ConnectionOptions {
  const t = o.tls
  return {
    host: o.host,
    minVersion: t.minVersion,
    rejectUnauthorized: t.rejectUnauthorized,
    ...(servername === undefined ? {} : { servername }),
    ...(t.ca === undefined ? {} : { ca: t.ca }),
    ...(t.maxVersion === undefined ? {} : { maxVersion: t.maxVersion }),
    ...(t.checkServerIdentity === undefined ? {} : { checkServerIdentity: t.checkServerIdentity }),
  }
}
