// One attack catalogue for every protocol: each protocol module says how to express the honest
// server and each attacker tweak in its fake's script language; the catalogue decides which tweak
// each attack is.

import type { Service } from '@mua-sts/core'
import type { Pki, PkiLeaf } from '@mua-sts/testing'
import type { AttackId, DemoServer, GuardContext, ProtocolDemo } from './scenario.js'

export type ScriptKit<S> = {
  honest(pki: Pki, transport: 'implicit-tls' | 'starttls'): S
  withLeaf(script: S, leaf: PkiLeaf): S
  /** A server that only speaks TLS 1.1 (OpenSSL security level 0). */
  tls11Only(script: S): S
  /** STARTTLS/STLS removed from the pre-TLS capabilities. */
  stripStartTls(script: S): S
  /** Plaintext written in the same segment as the positive STARTTLS reply. */
  injectAfterStartTls(script: S): S
  /** A PREAUTH greeting, where the protocol has one (IMAP only). */
  preauth?: (script: S) => S
}

export function attackScript<S>(kit: ScriptKit<S>, pki: Pki, attack: AttackId): S | undefined {
  const starttls = kit.honest(pki, 'starttls')
  const implicit = kit.honest(pki, 'implicit-tls')
  switch (attack) {
    case 'starttls-stripping':
      return kit.stripStartTls(starttls)
    case 'starttls-injection':
      return kit.injectAfterStartTls(starttls)
    case 'preauth':
      return kit.preauth?.(starttls)
    case 'tls-downgrade':
      return kit.tls11Only(implicit)
    case 'other-ca':
      return kit.withLeaf(implicit, pki.otherCa)
    case 'implicit-to-starttls':
      return starttls // a STARTTLS server answering on the implicit-TLS endpoint
    case 'rekeyed-pinned':
      return kit.withLeaf(implicit, pki.rekeyed)
  }
}

export function scriptedProtocol<S, Server>(p: {
  readonly service: Service
  readonly label: string
  readonly kit: ScriptKit<S>
  readonly start: (script: S) => Promise<Server>
  readonly wrap: (server: Server) => DemoServer
  readonly use: (ctx: GuardContext) => Promise<string>
}): ProtocolDemo {
  return {
    service: p.service,
    label: p.label,
    startHonest: async (pki, transport) => p.wrap(await p.start(p.kit.honest(pki, transport))),
    startAttacker(pki, attack) {
      const script = attackScript(p.kit, pki, attack)
      return script === undefined ? undefined : p.start(script).then(p.wrap)
    },
    use: p.use,
  }
}
