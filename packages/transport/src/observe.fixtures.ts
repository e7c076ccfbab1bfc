// Shared by the observe tests (observe.tls.test.ts, observe.facts.test.ts): an IMAP commitment to
// localhost, and the session facts of an implicit-TLS connection to it.
import { type Commitment, createCommitment } from '@mua-sts/core'
import type { SessionFacts } from './observe.js'

export function commitment(port: number, patch: Partial<Commitment> = {}): Commitment {
  const c = createCommitment({
    account: 'acct_t',
    service: 'imap',
    host: 'localhost',
    port,
    transport: 'implicit-tls',
    source: 'setup',
    now: '2026-01-01T00:00:00.000Z',
  })
  return { ...c, ...patch }
}

export const FACTS: SessionFacts = {
  service: 'imap',
  endpoint: { host: 'localhost', port: 993 },
  transport: 'implicit-tls',
}
