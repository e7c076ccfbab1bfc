// How the demo prints what happened: one block per attempt, then the attack × protocol table.
import { type AttackOutcome, behaved } from './attacks.js'
import { ATTACKS, type ProtocolDemo } from './scenario.js'

export function summarizeOutcome(o: AttackOutcome, label: string, protocol: string): string[] {
  const head = `  ${protocol.padEnd(5)} ${label.padEnd(32)}`
  if (!o.applicable) return [`${head} n/a`]
  const lines: string[] = []
  const verdict = o.refused ? 'refused before credentials' : `NOT REFUSED (${o.errorCode ?? 'connected'})`
  lines.push(`${head} ${verdict}${o.credentialsSeen ? ', CREDENTIALS REACHED THE ATTACKER' : ''}`)
  for (const line of o.inBand) lines.push(`        in band to the server: ${line}`)
  for (const r of o.reports) {
    const v = r.violations.map((x) => `${x.code}→${x.resultType}${x.tag ? ` [${x.tag}]` : ''}`).join(', ')
    lines.push(`        report ${r.reportId.slice(0, 8)} v${r.schemaVersion} ${r.action}: ${v}`)
  }
  return lines
}

export function renderAttackTable(
  outcomes: readonly AttackOutcome[],
  protocols: readonly ProtocolDemo[],
): string[] {
  const cell = (o: AttackOutcome | undefined): string => {
    if (o === undefined || !o.applicable) return 'n/a'
    return behaved(o) ? 'refused / reported' : 'FAILED'
  }
  const width = 32
  const colW = 20
  const header = `  ${'attack'.padEnd(width)}${protocols.map((p) => p.label.padEnd(colW)).join('')}`
  const rule = `  ${'-'.repeat(width + colW * protocols.length)}`
  const rows = ATTACKS.map((a) => {
    const cells = protocols.map((p) =>
      cell(outcomes.find((o) => o.attack === a.id && o.service === p.service)).padEnd(colW),
    )
    return `  ${a.label.padEnd(width)}${cells.join('')}`
  })
  return [header, rule, ...rows]
}
