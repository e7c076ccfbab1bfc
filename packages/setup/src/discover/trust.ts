// Trust labels for discovered endpoints. RFC 8314 §5.1 (restating RFC 6186 §6): an MUA that uses
// SRV discovery must check that the answer is DNSSEC-validated or that the target lies inside the
// queried domain, and otherwise ask the user. We apply the same bar to autoconfig documents: only
// one fetched over validated HTTPS from a host the mail domain controls is used without asking.
import type { Trust } from './candidate.js'

/** True when `host` is `domain` or a subdomain of it (label-aligned, so `evilexample.test` is out). */
export function isInDomain(host: string, domain: string): boolean {
  return host === domain || host.endsWith(`.${domain}`)
}

/** RFC 8314 §5.1: DNSSEC first (covers targets anywhere), then the in-domain rule. */
export function srvTrust(target: string, domain: string, dnssecValidated: boolean): Trust {
  if (dnssecValidated) return { level: 'trusted', reason: 'dnssec_validated' }
  if (isInDomain(target, domain)) return { level: 'trusted', reason: 'srv_target_in_domain' }
  return { level: 'needs-confirmation', reason: 'srv_target_outside_domain' }
}

/** What a fetch reported about the channel a document came over. */
export type FetchProvenance = {
  /** Every hop was HTTPS with a validated certificate chain and host name. */
  readonly validatedHttps: boolean
  /** Host of the URL the body finally came from (after redirects), lower case. */
  readonly finalHost: string
}

/**
 * Trust for an autoconfig document fetched for the mail domain itself. A document that arrived over
 * plain HTTP at any hop is attacker-controllable on the path; one that was redirected to a host
 * outside the domain is third-party data even though the domain pointed at it.
 */
export function autoconfigTrust(provenance: FetchProvenance, domain: string): Trust {
  if (!provenance.validatedHttps) return { level: 'needs-confirmation', reason: 'plain_http_source' }
  if (!isInDomain(provenance.finalHost, domain)) {
    return { level: 'needs-confirmation', reason: 'https_redirected_outside_domain' }
  }
  return { level: 'trusted', reason: 'https_from_mail_domain' }
}

/** ISPDB-style databases are run by third parties (RFC 8314 §5.1 gives them no standing). */
export const thirdPartyTrust: Trust = { level: 'needs-confirmation', reason: 'third_party_source' }

/** Thunderbird labels configurations found through the MX host's domain as unconfirmed. */
export const mxDerivedTrust: Trust = { level: 'needs-confirmation', reason: 'mx_derived' }

export const guessedTrust: Trust = { level: 'needs-confirmation', reason: 'guessed' }
