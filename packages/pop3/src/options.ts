// Every option of this package, validated eagerly with zod at the trust boundary between the
// application and the POP3 client (house style H14/H15), and the one configuration the connect
// sequence runs with, whichever front door built it:
//  - Pop3Client.connect: `Pop3ConnectOptionsSchema` (endpoint, `tls`, the caller's `gate`);
//  - connectPop3: `ConnectPop3OptionsSchema` (the shared Guard options, `auth`, tuning); everything
//    that decides the transport comes from the commitment and is refused here, by name.
// Unknown keys are rejected, so `session`, `secureContext`, a cleartext transport or a TLS floor below
// 1.2 cannot be smuggled in. Parsing does no I/O and never echoes a rejected value.
import { isIP, type LookupFunction } from 'node:net'
import type { ConnectionOptions, PeerCertificate, TLSSocket } from 'node:tls'
import { GuardOptionsSchema, parseAdapterOptions, refuseOwnedOptions } from '@mua-sts/transport'
import { z } from 'zod'
import { Pop3Error, Pop3ErrorCode } from './errors.js'

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
  /** Cancels the connect in any phase, and after it the command in flight (MUASTS_ERR_ABORTED). */
  signal: GuardOptionsSchema.shape.signal,
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

/** SNI / identity name: the explicit `servername`, else `host` unless it is an IP literal (RFC 6066 §3). */
export function servernameFor(o: ParsedConnectOptions): string | undefined {
  return o.tls.servername ?? (isIP(o.host) === 0 ? o.host : undefined)
}

// ─── The policy gate of Pop3Client.connect ──────────────────────────────────────────────────────

/** Everything the policy engine needs to decide whether this connection may carry credentials. */
export type Pop3GateContext = {
  /** The live TLS socket: inspect `getProtocol()`, `authorized`, `getPeerX509Certificate()`. */
  readonly socket: TLSSocket
  readonly transport: 'implicit-tls' | 'starttls'
  /** Raw pre-TLS CAPA lines (STARTTLS only). Attacker-controlled: for reports, never for policy upgrades. */
  readonly capsBeforeTls: readonly string[]
  /** CAPA lines read over TLS (RFC 2595 §4: pre-TLS capabilities are discarded and re-read). */
  readonly capsAfterTls: readonly string[]
  /** Raw text after `DEEP ` in the post-TLS CAPA (DEEP -04 §7.2), `''` for bare `DEEP`, else undefined. */
  readonly deepStatusAfterTls: string | undefined
  /** Sanitized pre-TLS greeting (STARTTLS only). Attacker-controlled; undefined for implicit TLS. */
  readonly greetingBeforeTls: string | undefined
}

/**
 * Decides whether credentials may be sent on this connection. Resolve to allow; throw (or reject)
 * to refuse: the client then destroys the socket without sending another byte and `connect()`
 * rejects with exactly the error the gate threw. With `Pop3Client.connect` the client records a
 * resolved gate in the tripwire set itself; connectPop3's gate is the Guard, which records it.
 */
export type Pop3Gate = (ctx: Pop3GateContext) => Promise<void>

// ─── Credentials (Pop3Client.login, connectPop3's `auth`) ──────────────────────────────────────

// CR/LF would let a credential inject a second command line; NUL is the RFC 4616 field separator;
// user names additionally exclude all controls (XOAUTH2 uses \x01 as its separator).
const user = z
  .string()
  .min(1)
  .max(255)
  .refine((v) => !/[\u0000-\u001f\u007f]/.test(v), 'must not contain control characters')
const secret = z
  .string()
  .min(1)
  .max(1024)
  .refine((v) => !/[\u0000\r\n]/.test(v), 'must not contain NUL, CR or LF')

/** Schema of {@link Pop3Credentials}. Its issue messages never contain the credential values. */
export const Pop3CredentialsSchema = z.union([
  z.strictObject({ user, pass: secret, mechanism: z.enum(['PLAIN', 'USER']).optional() }),
  // OAuth 2.0 bearer tokens are printable ASCII (RFC 6750 §2.1 b64token).
  z.strictObject({
    user,
    accessToken: z
      .string()
      .min(1)
      .max(16_384)
      .regex(/^[\x21-\x7e]+$/, 'expected a bearer token'),
  }),
])

/**
 * Password login (`mechanism` defaults to `PLAIN` when the post-TLS CAPA lists `SASL ... PLAIN`, else
 * `USER`), or OAuth 2.0 access token login via `AUTH XOAUTH2`.
 */
export type Pop3Credentials = z.input<typeof Pop3CredentialsSchema>
/** Credentials after {@link Pop3CredentialsSchema} validated them. */
export type ParsedPop3Credentials = z.output<typeof Pop3CredentialsSchema>

// ─── connectPop3 ────────────────────────────────────────────────────────────────────────────────

const WHAT = '@mua-sts/pop3 connectPop3'

/**
 * Options the SDK owns, each with the reason the app may not set it. Passing any of them to
 * connectPop3 throws MUASTS_ERR_INVALID_OPTION naming the option. Data only; no I/O.
 */
export const SDK_OWNED_OPTIONS: Readonly<Record<string, string>> = {
  host: 'the endpoint comes from the commitment',
  port: 'the endpoint comes from the commitment',
  transport: 'implicit TLS vs STLS comes from the commitment',
  secure: 'implicit TLS vs STLS comes from the commitment',
  tls: 'TLS options (minVersion, trust, identity check) come from the commitment; use `trust.ca` for extra roots',
  servername: 'SNI and the certificate name are the committed host',
  ca: 'use `trust.ca`',
  minVersion: 'the TLS floor comes from the commitment',
  maxVersion: 'the TLS version is negotiated up from the committed floor',
  rejectUnauthorized: 'certificate validation is never switched off',
  checkServerIdentity: 'the RFC 7817 identity check and SPKI capture are the guard’s',
  lookup: 'use `trust.lookup`',
  gate: 'the guard is the gate',
}

// Same bounds as the Guard's own timeoutMs.
const guardMs = z.int().min(100).max(600_000)

/**
 * zod schema of {@link ConnectPop3Options} (strict: unknown keys are refused). The Guard options
 * (`account`, `store`, `reports`, `client`, `trust`, `now`, `newReportId`, `timeoutMs`, `idleTimeoutMs`,
 * `signal`), `auth`, and
 * per-step timeouts and size limits. Parsing does no I/O and never echoes credentials in issues.
 */
export const ConnectPop3OptionsSchema = GuardOptionsSchema.extend({
  /** Password (`AUTH PLAIN` if the post-TLS CAPA lists it, else USER/PASS) or an OAuth 2.0 token (XOAUTH2). */
  auth: Pop3CredentialsSchema,
  /** Per-step deadlines; each defaults to `timeoutMs`, else to the client default (15 s, commands 30 s). */
  timeouts: z
    .strictObject({
      connectMs: guardMs.optional(),
      greetingMs: guardMs.optional(),
      handshakeMs: guardMs.optional(),
      commandMs: guardMs.optional(),
    })
    .optional(),
  limits: z
    .strictObject({
      /** Default cap for RETR and TOP bodies (decoded octets). Default 64 MiB. */
      maxMessageBytes: bytes.optional(),
      /** Cap for LIST and UIDL responses (decoded octets). Default 8 MiB. */
      maxListingBytes: bytes.optional(),
    })
    .optional(),
})

/** Options of connectPop3 (the input type of {@link ConnectPop3OptionsSchema}). */
export type ConnectPop3Options = z.input<typeof ConnectPop3OptionsSchema>
export type ParsedConnectPop3Options = z.output<typeof ConnectPop3OptionsSchema>

/**
 * Validates connectPop3 options eagerly. Pure. The result is also valid Guard options as it stands
 * (`new Guard(parsed, …)` takes its Guard fields without validating them again; transport's
 * parseAdapterOptions).
 * @throws SdkError MUASTS_ERR_INVALID_OPTION naming the offending option (SDK-owned ones by name).
 */
export function parseConnectPop3Options(input: unknown): ParsedConnectPop3Options {
  refuseOwnedOptions(WHAT, input, SDK_OWNED_OPTIONS)
  return parseAdapterOptions(ConnectPop3OptionsSchema, input, WHAT)
}

/** Timeouts and limits for the session: explicit value, else `timeoutMs`, else the client default. */
export function sessionTuning(o: ParsedConnectPop3Options): Pick<SessionConfig, 'timeouts' | 'limits'> {
  const t = o.timeouts ?? {}
  const step = o.timeoutMs ?? DEFAULT_STEP_MS
  const command = o.timeoutMs ?? DEFAULT_COMMAND_MS
  return {
    timeouts: {
      connectMs: t.connectMs ?? step,
      greetingMs: t.greetingMs ?? step,
      handshakeMs: t.handshakeMs ?? step,
      commandMs: t.commandMs ?? command,
      // The gate is the Guard's synchronous check, so this deadline cannot fire; the sequence needs one.
      gateMs: DEFAULT_COMMAND_MS,
    },
    limits: {
      maxMessageBytes: o.limits?.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
      maxListingBytes: o.limits?.maxListingBytes ?? DEFAULT_MAX_LISTING_BYTES,
    },
  }
}

// ─── What the connect sequence runs with ────────────────────────────────────────────────────────

export type SessionConfig = {
  /** `implicit-tls`: TLS from the first byte (RFC 8314 §3.3). `starttls`: STLS required (RFC 2595 §4). */
  readonly transport: 'implicit-tls' | 'starttls'
  /** The TCP destination. `lookup` only decides which address is dialled; TLS still checks the name. */
  readonly dial: {
    readonly host: string
    readonly port: number
    readonly lookup?: LookupFunction | undefined
  }
  /** Handed to tls.connect unchanged, plus the socket we opened. Never holds `session` (no resumption). */
  readonly tls: ConnectionOptions
  /**
   * Runs after TLS and the post-TLS CAPA, before any credential. It must leave the socket recorded in
   * the SDK-wide tripwire set (transport's `markPassed`) to allow; the connect sequence asserts that.
   */
  readonly gate: Pop3Gate
  readonly timeouts: ParsedConnectOptions['timeouts']
  readonly limits: ParsedConnectOptions['limits']
  /**
   * connectPop3 only: called on the completed handshake, before any POP3 byte is read or written over
   * TLS, with the cleartext capabilities for the record. Throws (or returns a promise that rejects) to
   * refuse; the socket is then destroyed and nothing more is sent (DEEP -04 §7.2: POP3 has no in-band
   * report). A promise is returned only while a TLSA answer is awaited (#15); nothing is read meanwhile.
   */
  readonly onSecure?:
    | ((socket: TLSSocket, capsBeforeTls: readonly string[]) => void | Promise<void>)
    | undefined
  /** The app's cancel: destroys the socket in any phase, and after login the command in flight. */
  readonly signal?: AbortSignal | undefined
}
