// `mua-sts demo`: the whole job on embedded servers, in one process, in a few seconds.
//   1. start local IMAP, POP3 and submission servers (fresh CA, DEEP advertised) behind on-path relays
//   2. set up alice@example.test: discover, probe, propose, confirm, pin (temporary store)
//   3. use all three protocols through the guards and show the latches learned from the servers
//   4. play the attacker on each protocol; every attack must be refused before credentials
//   5. print the attack × protocol table; exit 0 only if everything behaved
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { acceptedStatusUrl, type Commitment } from '@mua-sts/core'
import { ReportDispatcher } from '@mua-sts/reports'
import { FileStore, MemorySecretStore } from '@mua-sts/store'
import { type AttackOutcome, behaved, runAttacks } from './attacks.js'
import { imapDemo } from './protocols/imap.js'
import { pop3Demo } from './protocols/pop3.js'
import { smtpDemo } from './protocols/smtp.js'
import { ATTACKS, type ProtocolDemo } from './scenario.js'
import { ALICE, runSetup } from './setup-flow.js'
import { renderAttackTable, summarizeOutcome } from './summary.js'
import { startWorld } from './world.js'

// Only a URL that passes core's scope rule is printed (DEEP -04 §5.4; issue #12 item 5).
function statusPage(c: Commitment | undefined): string {
  const url = c === undefined ? undefined : acceptedStatusUrl(c)
  return url === undefined ? '' : `, status page ${url}`
}

export const DEMO_PROTOCOLS: readonly ProtocolDemo[] = [imapDemo, pop3Demo, smtpDemo]

export type DemoOptions = { readonly json?: string | undefined; readonly out: (line: string) => void }

export async function runFullDemo(options: DemoOptions): Promise<number> {
  const { out } = options
  const started = Date.now()
  const dir = mkdtempSync(join(tmpdir(), 'mua-sts-demo-'))
  out('mua-sts demo — everything runs on 127.0.0.1 with a CA generated just now\n')
  out(
    '1. embedded IMAP, POP3 and submission servers (implicit TLS and STARTTLS), advertising DEEP "tls12 tls-cert <https://status.example.test/mail>"',
  )
  const world = await startWorld(DEMO_PROTOCOLS)
  // Demo only: the store's integrity key lives in memory. Apps use the OS keychain (the default).
  const store = await FileStore.open({ dir: join(dir, 'store'), secrets: new MemorySecretStore() })
  try {
    out('\n2. account setup for alice@example.test')
    await runSetup(world, DEMO_PROTOCOLS, store, (l) => out(l))
    out('\n3. everyday use through the guards')
    const trust = { ca: world.pki.caCert, lookup: world.lookup }
    for (const p of DEMO_PROTOCOLS) {
      const done = await p.use({ account: ALICE, store, reports: new ReportDispatcher(), trust })
      const c = await store.get(ALICE, p.service)
      out(
        `  ${p.label.padEnd(5)} ${done}; latched from the server: ${c?.latches.join(' ') || '(none)'}${statusPage(c)}`,
      )
    }
    out('\n4. the attacker diverts the pinned endpoints (on-path relay) to malicious servers')
    const outcomes = await runAttacks(world, DEMO_PROTOCOLS, store, (o, label, proto) => {
      for (const line of summarizeOutcome(o, label, proto)) out(line)
    })
    out('\n5. summary')
    for (const line of renderAttackTable(outcomes, DEMO_PROTOCOLS)) out(line)
    const ok = outcomes.every(behaved)
    if (options.json !== undefined) writeJson(options.json, outcomes)
    out(
      `\n${ok ? 'every attack was refused before credentials and reported' : 'SOME ATTACK WAS NOT HANDLED AS EXPECTED'} (${((Date.now() - started) / 1000).toFixed(1)} s)`,
    )
    return ok ? 0 : 1
  } finally {
    await world.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

function writeJson(path: string, outcomes: readonly AttackOutcome[]): void {
  const attacks = Object.fromEntries(ATTACKS.map((a) => [a.id, a.label]))
  const body = outcomes.map((o) => ({ ...o, label: attacks[o.attack] }))
  writeFileSync(
    path,
    `${JSON.stringify({ generatedAt: new Date().toISOString(), outcomes: body }, null, 2)}\n`,
  )
}
