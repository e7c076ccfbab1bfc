// Human output of `mua-sts probe`: the candidate table and the proposal in plain language.
import type { Observation } from '@mua-sts/core'
import type { Candidate, ProbeResult, Proposal } from '@mua-sts/setup'
import { table } from './table.js'

const TRANSPORT: Readonly<Record<Candidate['transport'], string>> = {
  'implicit-tls': 'implicit TLS',
  starttls: 'STARTTLS',
}

/** "imap mail.example.test:993 implicit TLS" */
export function describeCandidate(c: Candidate): string {
  return `${c.service} ${c.host}:${c.port} ${TRANSPORT[c.transport]}`
}

/** The certificate column: what the chain and the RFC 7817 name check said. */
export function certificateCell(o: Observation | undefined): string {
  const cert = o?.certificate
  if (cert === undefined) return '-'
  if (cert.expired) return 'expired'
  if (!cert.chainTrusted) return `untrusted${cert.chainError === undefined ? '' : ` (${cert.chainError})`}`
  if (cert.nameMatch === false) return 'wrong host'
  return cert.matchedIdentity === undefined ? 'valid' : `valid (${cert.matchedIdentity})`
}

/** The DANE column: the TLSA outcome (RFC 6698) when a validating resolver was given, else '-'. */
export function daneCell(o: Observation | undefined): string {
  const status = o?.dane?.status
  return status === undefined ? '-' : status === 'valid' ? 'DANE-validated' : status
}

function resultCell(r: ProbeResult): string {
  return r.failure === undefined ? r.status : `${r.status}: ${r.failure.code}`
}

/** One row per candidate, in discovery order. */
export function candidateTable(results: readonly ProbeResult[]): string[] {
  return table(
    ['SERVICE', 'ENDPOINT', 'TRANSPORT', 'SOURCE', 'TRUST', 'RESULT', 'TLS', 'CERTIFICATE', 'DANE'],
    results.map((r) => {
      const c = r.candidate
      return [
        c.service,
        `${c.host}:${c.port}`,
        TRANSPORT[c.transport],
        c.source,
        `${c.trust.level} (${c.trust.reason})`,
        resultCell(r),
        r.observation?.tls?.version ?? '-',
        certificateCell(r.observation),
        daneCell(r.observation),
      ]
    }),
  )
}

/** The proposal: explanation, then what the user must confirm, with the ids a UI would send back. */
export function proposalLines(p: Proposal): string[] {
  const lines = ['Proposal:', ...p.explanation.map((l) => `  ${l}`)]
  if (p.services.length === 0)
    lines.push('  Nothing can be proposed: no candidate met the security requirements.')
  if (p.confirmations.length > 0) {
    lines.push('', 'Confirm before pinning:')
    for (const c of p.confirmations) lines.push(`  [${c.id}] ${c.message}`)
  }
  lines.push('', 'Nothing has been pinned: probing never stores anything.')
  return lines
}
