// Step 2 of the demo: the wizard's job for alice@example.test — RFC 6186 discovery, parallel probes
// without credentials, a proposal, and confirm(), which tests the password only through the guarded
// clients and only then pins. Then two policy steps an app might add: pin the servers' keys for
// alice, and pin bob's STARTTLS-only profile.
import { type CommitmentStore, createCommitment, type Service } from '@mua-sts/core'
import { ReportDispatcher } from '@mua-sts/reports'
import { confirm, discover, type Proposal, probe, propose, type VerifyFn } from '@mua-sts/setup'
import type { GuardContext, ProtocolDemo } from './scenario.js'
import { DOMAIN, MAIL_HOST, type World } from './world.js'

export const ALICE = 'acct_alice'
export const BOB = 'acct_bob'

export async function runSetup(
  world: World,
  protocols: readonly ProtocolDemo[],
  store: CommitmentStore,
  out: (line: string) => void,
): Promise<Proposal> {
  const discovery = await discover(`alice@${DOMAIN}`, {
    resolver: world.zone,
    sources: { srv: true, autoconfig: false, wellKnown: false, mx: false, guess: false },
  })
  out(
    `  discovered ${discovery.candidates.length} candidates via RFC 6186 SRV (${discovery.candidates.map((c) => `${c.service}/${c.transport}`).join(', ')})`,
  )
  const trust = { ca: world.pki.caCert, lookup: world.lookup }
  const results = await probe(discovery.candidates, {
    trust: { ca: trust.ca },
    lookup: trust.lookup,
    earlyStop: false,
    onProgress: (e) => {
      if (e.type === 'tls-ok')
        out(
          `  probe ${e.candidate.service} ${e.candidate.host}:${e.candidate.port} (${e.candidate.transport}): ${e.tlsVersion}, certificate valid, no credentials sent`,
        )
    },
  })
  const proposal = propose(discovery, results, { account: ALICE, now: new Date() })
  for (const s of proposal.services)
    out(
      `  proposed ${s.service}: ${s.candidate.host}:${s.candidate.port} ${s.candidate.transport} (${s.candidate.trust.level}: ${s.candidate.trust.reason})`,
    )
  const quiet = new ReportDispatcher()
  const verify: Partial<Record<Service, VerifyFn>> = {}
  for (const p of protocols) {
    verify[p.service] = async (v) => {
      const ctx: GuardContext = { account: v.account, store: v.store, reports: quiet, trust }
      await p.use(ctx)
    }
  }
  const result = await confirm({
    proposal,
    store,
    verify,
    confirmed: true,
    acknowledged: proposal.confirmations.map((c) => c.id),
  })
  if (result.status !== 'pinned') throw new Error(`setup failed: ${JSON.stringify(result.failures)}`)
  out(
    `  confirmed: password tested over compliant TLS only, ${result.commitments.length} commitments pinned for ${ALICE}`,
  )
  await pinPolicies(world, protocols, store)
  out(`  policy: alice's server keys pinned (SPKI); ${BOB} pinned to the STARTTLS endpoints`)
  return proposal
}

async function pinPolicies(
  world: World,
  protocols: readonly ProtocolDemo[],
  store: CommitmentStore,
): Promise<void> {
  const now = new Date().toISOString()
  for (const p of protocols) {
    const alice = await store.get(ALICE, p.service)
    if (alice !== undefined) {
      const { host, port, transport } = alice.endpoint
      await store.strengthen(
        createCommitment({
          account: ALICE,
          service: p.service,
          host,
          port,
          transport,
          pins: [world.pki.good.spki],
          source: 'policy',
          now,
        }),
      )
    }
    const relay = world.endpoint(p.service, 'starttls').relay
    await store.strengthen(
      createCommitment({
        account: BOB,
        service: p.service,
        host: MAIL_HOST,
        port: relay.port,
        transport: 'starttls',
        source: 'policy',
        now,
      }),
    )
  }
}
