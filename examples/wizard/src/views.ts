// What the page is shown: setup's results reduced to plain JSON view models (ipc-schema.ts). Only what
// the UI needs crosses the IPC boundary; observations, certificates and provenance stay in the main
// process, together with the proposal that confirm() will pin.
import { acceptedStatusUrl, type Commitment } from '@mua-sts/core'
import type { ReportEvent } from '@mua-sts/reports'
import {
  type Candidate,
  type Discovery,
  explainProbeFailure,
  type ProbeEvent,
  type ProbeResult,
  type Proposal,
  type Trust,
} from '@mua-sts/setup'
import type {
  CandidateView,
  DiscoverResponse,
  PinView,
  ProbeRow,
  ProposalView,
  WizardEvent,
} from './ipc-schema.js'

// RFC 8314 §5.1 / RFC 6186 §6: only DNSSEC or an in-domain target (or the domain's own HTTPS
// autoconfig) may be used without asking; every other label must be shown to the user. `found` is the
// neutral provenance for the probe table, where a candidate may still be refused: the verdict ("Trusted:")
// is only shown once a server passed the checks, so a refused one never carries a green label.
const FOUND_VIA: Readonly<Record<Trust['reason'], string>> = {
  dnssec_validated: 'DNSSEC-validated SRV record',
  srv_target_in_domain: 'SRV record pointing inside the mail domain',
  https_from_mail_domain: "the mail domain's own autoconfig over HTTPS",
  srv_target_outside_domain: 'SRV record pointing outside the mail domain',
  plain_http_source: 'configuration sent over plain HTTP',
  https_redirected_outside_domain: 'autoconfig redirected to another domain',
  third_party_source: 'third-party database',
  mx_derived: "derived from the domain's MX host",
  guessed: 'guessed server name',
  entered_by_user: 'entered by you',
}

function trustView(trust: Trust): CandidateView['trust'] {
  const found = FOUND_VIA[trust.reason]
  const verdict = trust.level === 'trusted' ? 'Trusted' : 'Needs confirmation'
  return { level: trust.level, reason: trust.reason, label: `${verdict}: ${found}`, found }
}

/** One discovered candidate, with its trust label. Pure. */
export function candidateView(c: Candidate, index: number): CandidateView {
  const { service, host, port, transport, source } = c
  return { index, service, host, port, transport, source, trust: trustView(c.trust) }
}

/** The discovery, for the probe table; failed sources become one line each. Pure. */
export function discoveryView(sessionId: string, d: Discovery): DiscoverResponse {
  return {
    sessionId,
    domain: d.domain,
    candidates: d.candidates.map(candidateView),
    notOffered: d.notOffered.map(({ service, transport }) => ({ service, transport })),
    issues: d.errors.map((e) => `${e.source}: ${e.message}`),
  }
}

/** The final state of one probe. Pure. */
export function probeRow(r: ProbeResult, index: number): ProbeRow {
  const tlsVersion = r.observation?.tls?.version
  return {
    index,
    status: r.status,
    ...(tlsVersion === undefined ? {} : { tlsVersion }),
    // setup's plain-language sentence, not the probe's internal message (which may carry socket detail).
    ...(r.failure === undefined
      ? {}
      : { code: r.failure.code, message: explainProbeFailure(r.failure.code) }),
  }
}

/** One live probe event, tagged with its session. Pure. */
export function probeEventView(sessionId: string, e: ProbeEvent): WizardEvent {
  const base = { type: 'probe' as const, sessionId, index: e.index, step: e.type }
  switch (e.type) {
    case 'started':
      return base
    case 'tls-ok':
      return { ...base, tlsVersion: e.tlsVersion }
    case 'failed':
      return { ...base, code: e.code, message: explainProbeFailure(e.code) }
    case 'done': {
      const { index: _index, ...row } = probeRow(e.result, e.index)
      return { ...base, ...row }
    }
  }
}

/** The proposal as the user reviews it (the Proposal itself stays in the main process). Pure. */
export function proposalView(p: Proposal): ProposalView {
  return {
    account: p.account,
    domain: p.domain,
    services: p.services.map((s) => ({
      service: s.service,
      host: s.candidate.host,
      port: s.candidate.port,
      transport: s.candidate.transport,
      tlsVersion: s.tlsVersion,
      trust: trustView(s.candidate.trust),
      daneValidated: s.daneValidated === true,
      latches: [...s.commitment.latches],
      reasons: [...s.reasons],
      confirmations: s.confirmations.map(({ id, message }) => ({ id, message })),
    })),
    missing: p.missing.map(({ service, message }) => ({ service, message })),
    // Cancelled probes were only cut short because something better answered; they are not news.
    rejected: p.rejected
      .filter((r) => r.status !== 'cancelled')
      .map((r) => ({
        service: r.candidate.service,
        host: r.candidate.host,
        port: r.candidate.port,
        transport: r.candidate.transport,
        status: r.status,
        code: r.code,
        message: r.message,
      })),
  }
}

/** A pinned commitment: endpoint, floor, latches, status page. Pure. */
export function pinView(c: Commitment): PinView {
  return {
    account: c.account,
    service: c.service,
    host: c.endpoint.host,
    port: c.endpoint.port,
    transport: c.endpoint.transport,
    tlsFloor: c.tlsFloor,
    latches: [...c.latches],
    spkiPins: c.pins.spki.length,
    ...statusUrlField(acceptedStatusUrl(c)),
  }
}

// Only a URL that passes core's scope rule reaches the page (DEEP -04 §5.4; issue #12 item 5).
function statusUrlField(url: string | undefined): { statusUrl?: string } {
  return url === undefined ? {} : { statusUrl: url }
}

/** A guard's refusal, for the page: where, and why in plain language (never the report's raw data). */
export function reportEventView(e: ReportEvent): WizardEvent {
  const { service, endpoint } = e.report
  return {
    type: 'report',
    service,
    host: endpoint.host,
    port: endpoint.port,
    explanations: [...e.explanations],
    ...(e.helpUrl === undefined ? {} : { helpUrl: e.helpUrl }),
  }
}
