// Parser for Mozilla autoconfig documents (config-v1.1.xml, as served by autoconfig.<domain>, the
// /.well-known/autoconfig path and ISPDB). The input is attacker-controlled whenever the channel is
// not validated HTTPS from the mail domain, so the parser is built to fail closed and cheaply:
//   1. a byte cap before any parsing;
//   2. no DTD at all: any markup declaration (<!DOCTYPE, <!ENTITY, …) is refused up front, which
//      removes entity expansion (billion laughs) and external entities (XXE) as a class;
//   3. fast-xml-parser with entity processing off, so even the predefined entities stay literal;
//   4. zod on the resulting tree, one server entry at a time, so one bad entry is reported and the
//      rest of the document still counts.
// It never throws: every outcome is a value with a stable code. It does no I/O.
import { XMLParser, XMLValidator } from 'fast-xml-parser'
import { z } from 'zod'
import { PortSchema, type Service, type Transport } from './candidate.js'
import { normalizeDomain } from './email.js'
import { IssueCode } from './errors.js'

/** Real autoconfig documents are a few KiB; 64 KiB leaves room and bounds parser work. */
export const AUTOCONFIG_MAX_BYTES = 64 * 1024

export type AutoconfigServer = {
  readonly service: Service
  readonly host: string
  readonly port: number
  readonly transport: Transport
}

export type AutoconfigParse =
  | {
      readonly ok: true
      /** Usable TLS endpoints in document order (document order is the provider's preference). */
      readonly servers: readonly AutoconfigServer[]
      /** `socketType` plain entries: dropped, never proposed (RFC 8314 §5.1), but counted. */
      readonly droppedPlaintext: number
      /** One message per entry that failed validation; valid siblings are still returned. */
      readonly invalidEntries: readonly string[]
    }
  | { readonly ok: false; readonly code: IssueCode; readonly message: string }

const ARRAY_TAGS = new Set(['emailProvider', 'domain', 'incomingServer', 'outgoingServer', 'authentication'])

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  parseAttributeValue: false,
  processEntities: false,
  htmlEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  trimValues: true,
  // clientConfig > emailProvider > incomingServer > authentication is 4 deep; 16 is generous.
  maxNestedTags: 16,
  isArray: (tagName, _jPath, _isLeaf, isAttribute) => !isAttribute && ARRAY_TAGS.has(tagName),
})

const DocumentSchema = z.object({
  clientConfig: z.looseObject({
    emailProvider: z.array(
      z.looseObject({
        incomingServer: z.array(z.unknown()).optional(),
        outgoingServer: z.array(z.unknown()).optional(),
      }),
    ),
  }),
})

const ServerEntrySchema = z.looseObject({
  hostname: z.string(),
  port: z
    .string()
    .regex(/^[0-9]{1,5}$/, 'expected a decimal port')
    .transform(Number)
    .pipe(PortSchema),
  socketType: z.enum(['SSL', 'STARTTLS', 'plain']),
})

const TypeSchema = z.looseObject({ '@_type': z.string() })

// Incoming `imap`/`pop3` and outgoing `smtp` are the services this SDK guards; other types
// (exchange, jmap, …) are outside its scope and ignored.
// A Map, not an object literal: type="constructor" must not find Object.prototype members.
type ServiceTable = ReadonlyMap<string, Service>
const INCOMING: ServiceTable = new Map([
  ['imap', 'imap'],
  ['pop3', 'pop3'],
])
const OUTGOING: ServiceTable = new Map([['smtp', 'submission']])

// Markup declarations other than comments and CDATA: DOCTYPE, ENTITY, ELEMENT, ATTLIST, NOTATION.
const MARKUP_DECLARATION = /<!(?!--|\[CDATA\[)/

const clip = (text: string): string => (text.length > 200 ? `${text.slice(0, 200)}…` : text)
const fail = (code: IssueCode, message: string): AutoconfigParse => ({
  ok: false,
  code,
  message: clip(message),
})

type EntryOutcome = { kind: 'server'; server: AutoconfigServer } | { kind: 'plain' } | { kind: 'ignored' }

function readEntry(
  raw: unknown,
  services: ServiceTable,
  emailDomain: string,
): EntryOutcome | { kind: 'invalid'; message: string } {
  const typed = TypeSchema.safeParse(raw)
  if (!typed.success) return { kind: 'invalid', message: 'server entry without a type attribute' }
  const service = services.get(typed.data['@_type'])
  if (service === undefined) return { kind: 'ignored' }
  const entry = ServerEntrySchema.safeParse(raw)
  if (!entry.success) {
    const issue = entry.error.issues[0]
    return {
      kind: 'invalid',
      message: `${service} entry: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? ''}`,
    }
  }
  if (entry.data.socketType === 'plain') return { kind: 'plain' }
  // %EMAILDOMAIN% is the only placeholder Thunderbird defines for host names.
  const host = normalizeDomain(entry.data.hostname.replaceAll('%EMAILDOMAIN%', emailDomain))
  if (host === undefined)
    return { kind: 'invalid', message: `${service} entry: hostname is not a valid host name` }
  const transport: Transport = entry.data.socketType === 'SSL' ? 'implicit-tls' : 'starttls'
  return { kind: 'server', server: { service, host, port: entry.data.port, transport } }
}

/** Parses a config-v1.1.xml body. Pure; never throws; returns a coded failure instead. */
export function parseAutoconfig(xml: string, emailDomain: string): AutoconfigParse {
  if (typeof xml !== 'string') return fail(IssueCode.XmlMalformed, 'body is not text')
  if (xml.length > AUTOCONFIG_MAX_BYTES || Buffer.byteLength(xml, 'utf8') > AUTOCONFIG_MAX_BYTES) {
    return fail(IssueCode.XmlTooLarge, `document exceeds ${AUTOCONFIG_MAX_BYTES} bytes`)
  }
  const text = xml.startsWith('\uFEFF') ? xml.slice(1) : xml
  if (MARKUP_DECLARATION.test(text)) {
    return fail(IssueCode.XmlDoctypeRefused, 'DOCTYPE and other markup declarations are refused')
  }
  let tree: unknown
  try {
    const valid = XMLValidator.validate(text)
    if (valid !== true) {
      return fail(IssueCode.XmlMalformed, `not well-formed (line ${valid.err.line}): ${valid.err.msg}`)
    }
    tree = parser.parse(text)
  } catch (error) {
    return fail(IssueCode.XmlMalformed, error instanceof Error ? error.message : 'parser failure')
  }
  const document = DocumentSchema.safeParse(tree)
  if (!document.success) return fail(IssueCode.XmlInvalidConfig, 'no clientConfig/emailProvider element')

  const servers: AutoconfigServer[] = []
  const invalidEntries: string[] = []
  let droppedPlaintext = 0
  for (const provider of document.data.clientConfig.emailProvider) {
    const entries: Array<[unknown, ServiceTable]> = [
      ...(provider.incomingServer ?? []).map((raw): [unknown, ServiceTable] => [raw, INCOMING]),
      ...(provider.outgoingServer ?? []).map((raw): [unknown, ServiceTable] => [raw, OUTGOING]),
    ]
    for (const [raw, services] of entries) {
      const outcome = readEntry(raw, services, emailDomain)
      if (outcome.kind === 'server') servers.push(outcome.server)
      else if (outcome.kind === 'plain') droppedPlaintext++
      else if (outcome.kind === 'invalid') invalidEntries.push(clip(outcome.message))
    }
  }
  return { ok: true, servers, droppedPlaintext, invalidEntries }
}
