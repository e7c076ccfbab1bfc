// A provider move during `mua-sts setup`: confirm() refused with MUASTS_ERR_COMMITMENT_CONFLICT because
// the account already has a commitment the new proposal cannot join (another host, port, transport or
// CA). Pins never expire and never weaken by themselves (DEEP -04 §5.4: no lightweight reset), so the
// only way forward is the store's audited replacement: the user sees exactly what goes, confirms with a
// reason, and the store forgets the old commitments and pins the new ones in one step, one audit record.
import { userInfo } from 'node:os'
import type { Commitment, SdkError } from '@mua-sts/core'
import type { FileStore } from '@mua-sts/store'
import type { CliIo } from '../io.js'
import { SERVICE_LABEL } from './failures.js'

/** What confirm() takes to replace instead of refusing (its `replace` option, for the whole account). */
export type Replacement = { readonly confirmation: string; readonly actor: string; readonly reason: string }

export type MoveDecision =
  | { readonly replace: true; readonly replacement: Replacement; readonly removed: readonly Commitment[] }
  | { readonly replace: false; readonly why: string }

export function defaultActor(): string {
  try {
    return `cli:${userInfo().username}`
  } catch {
    return 'cli'
  }
}

function describe(c: Commitment): string {
  return `${SERVICE_LABEL[c.service]} ${c.endpoint.host}:${c.endpoint.port} ${c.endpoint.transport}, ${c.tlsFloor}+`
}

/**
 * Shows the conflict and what a replacement would remove, then asks (or takes `--replace --reason`).
 * Issues the store's forget token only when the user goes ahead; the token is single-use.
 */
export async function decideProviderMove(p: {
  readonly conflict: SdkError
  readonly account: string
  readonly store: FileStore
  readonly io: CliIo
  readonly flags: {
    readonly replace: boolean
    readonly yes: boolean
    readonly reason?: string | undefined
    readonly actor?: string | undefined
  }
}): Promise<MoveDecision> {
  const { io, account, flags } = p
  io.err(`The account ${account} already has a commitment that conflicts with this proposal:`)
  io.err(`  ${p.conflict.message.replace(/\s+/g, ' ')}`)
  const existing = await p.store.list(account)
  for (const c of existing) io.err(`  pinned now: ${describe(c)}`)
  if ((p.conflict.details as { ceremony?: unknown } | undefined)?.ceremony === 'rotatePins')
    io.err('  Only the server key changed: mua-sts pins rotate can accept the new key and keep the rest.')
  io.err(
    'If the provider moved, the old commitments can be replaced by the new ones in one audited step. ' +
      'If you did not expect this, stop: a conflict is also what an attacker redirecting you looks like.',
  )
  let reason = flags.reason
  if (!flags.replace) {
    if (flags.yes) return { replace: false, why: 'not replaced: pass --replace --reason "…" to replace it' }
    const answer = await io.prompt(`Replace every commitment of ${account} with the new proposal? [y/N] `)
    if (!/^y(es)?$/i.test(answer.trim())) return { replace: false, why: 'not replaced: declined' }
    while (reason === undefined) {
      const typed = (await io.prompt('Reason (kept in the audit log): ')).trim()
      if (typed.length >= 3 && typed.length <= 1000) reason = typed
      else io.err('Please give a reason of 3 to 1000 characters.')
    }
  }
  if (reason === undefined) return { replace: false, why: 'not replaced: --reason is required' }
  const request = await p.store.requestForget(account)
  return {
    replace: true,
    removed: request.commitments,
    replacement: { confirmation: request.confirmation, actor: flags.actor ?? defaultActor(), reason },
  }
}
