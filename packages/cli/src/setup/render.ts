// Human output of `mua-sts setup`: the proposal before anything is confirmed, and what was pinned.
import type { Commitment } from '@mua-sts/core'
import type { Proposal } from '@mua-sts/setup'
import { describeCandidate } from '../render/probe-table.js'
import { SERVICE_LABEL } from './failures.js'

/** The proposal as the user confirms it: per service the endpoint, why, and what it will require. */
export function setupProposalLines(p: Proposal): string[] {
  const lines = [`Proposal for ${p.domain} (account ${p.account}):`]
  for (const s of p.services) {
    lines.push(`  ${SERVICE_LABEL[s.service]}: ${describeCandidate(s.candidate)}, ${s.tlsVersion}`)
    for (const reason of s.reasons) lines.push(`    ${reason}`)
    for (const f of s.trustedFailures ?? [])
      lines.push(`    A trusted server did not work: ${describeCandidate(f.candidate)} (${f.code})`)
  }
  for (const m of p.missing) lines.push(`  ${SERVICE_LABEL[m.service]}: not set up. ${m.message}`)
  if (p.services.length === 0)
    lines.push('  Nothing can be set up: no server met the security requirements. Nothing was pinned.')
  return lines
}

/** One line per pinned commitment. */
export function pinnedLines(account: string, commitments: readonly Commitment[]): string[] {
  return [
    `Pinned ${commitments.length} commitment(s) for ${account}:`,
    ...commitments.map((c) => {
      const latches = c.latches.length === 0 ? '' : `, latches ${c.latches.join(' ')}`
      return `  ${SERVICE_LABEL[c.service]}: ${c.endpoint.host}:${c.endpoint.port} ${c.endpoint.transport}, ${c.tlsFloor} or newer${latches}`
    }),
    `Every later connection of ${account} is checked against these before any credential is sent.`,
    `See them with: mua-sts pins show ${account}`,
  ]
}
