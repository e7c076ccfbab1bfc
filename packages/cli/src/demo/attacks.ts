// Step 4 of the demo: the on-path attacker diverts each pinned endpoint to a malicious server, one
// attack at a time, and we record what the guard did and what reached the attacker's wire.
import { type CommitmentStore, isAtLeast, isSdkError, type Report } from '@mua-sts/core'
import { callbackSink, ReportDispatcher } from '@mua-sts/reports'
import { ATTACKS, type AttackId, type ProtocolDemo } from './scenario.js'
import { ALICE, BOB } from './setup-flow.js'
import type { World } from './world.js'

export type AttackOutcome = {
  readonly attack: AttackId
  readonly service: string
  readonly applicable: boolean
  /** Refused with MUASTS_ERR_COMMITMENT_VIOLATED. */
  readonly refused: boolean
  readonly errorCode: string | undefined
  readonly credentialsSeen: boolean
  readonly reports: readonly Report[]
  readonly inBand: readonly string[]
  /** The stored commitment is at least as strong as before the attack. */
  readonly notWeakened: boolean
}

/** True when the guard behaved: refused, reported, nothing leaked, nothing weakened. */
export function behaved(o: AttackOutcome): boolean {
  return !o.applicable || (o.refused && o.reports.length > 0 && !o.credentialsSeen && o.notWeakened)
}

export async function runAttacks(
  world: World,
  protocols: readonly ProtocolDemo[],
  store: CommitmentStore,
  onOutcome: (o: AttackOutcome, label: string, protocol: string) => void,
): Promise<AttackOutcome[]> {
  const outcomes: AttackOutcome[] = []
  for (const attack of ATTACKS) {
    for (const p of protocols) {
      const account = attack.account === 'alice' ? ALICE : BOB
      const starting = p.startAttacker(world.pki, attack.id)
      if (starting === undefined) {
        const o: AttackOutcome = {
          attack: attack.id,
          service: p.service,
          applicable: false,
          refused: false,
          errorCode: undefined,
          credentialsSeen: false,
          reports: [],
          inBand: [],
          notWeakened: true,
        }
        outcomes.push(o)
        onOutcome(o, attack.label, p.label)
        continue
      }
      const attacker = await starting
      const before = await store.get(account, p.service)
      if (before === undefined) throw new Error(`demo: ${account} has no ${p.service} commitment`)
      const endpoint = world.endpoint(p.service, before.endpoint.transport)
      const reports: Report[] = []
      const dispatcher = new ReportDispatcher([callbackSink((e) => reports.push(e.report))])
      endpoint.relay.divert(attacker.port)
      let errorCode: string | undefined
      try {
        await p.use({
          account,
          store,
          reports: dispatcher,
          trust: { ca: world.pki.caCert, lookup: world.lookup },
          // The demo shows the drafts' own in-band rule (issue #14): report over any TLS session, so an
          // expired certificate is named to the server. Apps default to 'authenticated-only'.
          inBand: 'spec',
        })
      } catch (error) {
        errorCode = isSdkError(error) ? error.code : String(error)
      } finally {
        endpoint.relay.divert(endpoint.honest.port)
      }
      const after = await store.get(account, p.service)
      const o: AttackOutcome = {
        attack: attack.id,
        service: p.service,
        applicable: true,
        refused: errorCode === 'MUASTS_ERR_COMMITMENT_VIOLATED',
        errorCode,
        credentialsSeen: attacker.credentialsSeen(),
        reports,
        inBand: attacker.inBandLines(),
        notWeakened: after !== undefined && isAtLeast(after, before),
      }
      await attacker.close()
      outcomes.push(o)
      onOutcome(o, attack.label, p.label)
    }
  }
  return outcomes
}
