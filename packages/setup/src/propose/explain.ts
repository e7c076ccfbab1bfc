// Plain-language sentences for the wizard (house style H12: wording apart from data, so a UI can
// localise). Nothing here decides anything; propose() does.
import type { Commitment, Service } from '@mua-sts/core'
import type { Candidate, TrustReason } from '../discover/candidate.js'
import type { ConfirmationItem } from './proposal.js'

export const SERVICE_NAMES: Readonly<Record<Service, string>> = {
  imap: 'IMAP',
  pop3: 'POP3',
  submission: 'SMTP submission',
}

/** "mail.example.test port 993 with implicit TLS" */
export function describeEndpoint(c: Pick<Candidate, 'host' | 'port' | 'transport'>): string {
  const how = c.transport === 'implicit-tls' ? 'implicit TLS' : 'STARTTLS'
  return `${c.host} port ${c.port} with ${how}`
}

const SOURCE_TEXT: Readonly<Record<TrustReason, (domain: string) => string>> = {
  dnssec_validated: () => 'found in DNSSEC-validated SRV records',
  srv_target_in_domain: (d) => `found in the SRV records of ${d}, pointing inside ${d}`,
  https_from_mail_domain: (d) => `found in the autoconfig document that ${d} serves over HTTPS`,
  srv_target_outside_domain: (d) => `the SRV records of ${d} point to a server outside ${d}`,
  plain_http_source: () => 'the configuration arrived over plain HTTP, which anyone on the path can change',
  https_redirected_outside_domain: (d) => `the autoconfig document of ${d} was redirected to another domain`,
  third_party_source: () => 'the configuration comes from a third-party database, not from the domain',
  mx_derived: (d) => `the server was derived from the MX records of ${d} (the mail host's provider)`,
  guessed: (d) => `the server name was guessed from ${d}`,
  entered_by_user: () => 'you entered this server yourself; nothing from the domain confirms it',
}

/** Where the candidate came from and how far that can be trusted. */
export function describeSource(c: Candidate, domain: string): string {
  return SOURCE_TEXT[c.trust.reason](domain)
}

/** The confirmation item for a candidate whose discovery label needs the user (or undefined). */
export function confirmationFor(c: Candidate, domain: string): ConfirmationItem | undefined {
  if (c.trust.level !== 'needs-confirmation') return undefined
  const reason = c.trust.reason
  return {
    id: `${c.service}/${reason}/${c.host}:${c.port}`,
    service: c.service,
    host: c.host,
    port: c.port,
    reason,
    message:
      `Is ${c.host} really the ${SERVICE_NAMES[c.service]} server for ${domain}? ` +
      `Only confirm if you know it is: ${SOURCE_TEXT[reason](domain)}.`,
  }
}

/** What the pinned commitment will require from every later connection. */
export function describeRequirements(c: Commitment, tlsVersion: string): string {
  const parts = [
    `TLS ${c.tlsFloor.replace('TLSv', '')} or newer (this server negotiated ${tlsVersion.replace('TLSv', '')})`,
    `a certificate valid for ${c.endpoint.host}`,
  ]
  if (c.endpoint.transport === 'implicit-tls') parts.unshift('implicit TLS (no STARTTLS fallback)')
  return `Every later connection must use ${parts.join(', ')}.`
}

/** The latches and directives learned from the post-TLS advertisement. */
export function describeLearned(c: Commitment): string | undefined {
  const items = [...c.latches]
  if (c.directives.tlsVersion !== undefined) items.push(`tls-version=${c.directives.tlsVersion}`)
  if (c.directives.tlsCert !== undefined) items.push(`tls-cert=${c.directives.tlsCert}`)
  if (items.length === 0) return undefined
  return `After TLS the server promised ${items.join(', ')}; these become requirements too.`
}
