// `mua-sts demo`: shows the commitment engine refusing each attack class. Pure computation on
// recorded observations; the full demo on embedded servers replaces this once all guards exist.
import {
  type Anomaly,
  createCommitment,
  createObservation,
  evaluate,
  type Observation,
  type ObservationInput,
} from '@mua-sts/core'

const NOW = new Date().toISOString()

function observation(patch: Partial<ObservationInput>): Observation {
  return createObservation({
    service: 'imap',
    endpoint: { host: 'imap.example.test', port: 993 },
    transport: 'implicit-tls',
    tls: { version: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384', cipherBits: 256 },
    certificate: { chainTrusted: true, expired: false, nameMatch: true },
    capsBeforeTls: [],
    capsAfterTls: [],
    anomalies: [],
    ...patch,
  })
}
const preTls = (a: Anomaly): Partial<ObservationInput> => ({ transport: 'plaintext', anomalies: [a] })

export function runDemo(out: (line: string) => void = console.log): number {
  const c = createCommitment({
    account: 'acct_demo',
    service: 'imap',
    host: 'imap.example.test',
    port: 993,
    transport: 'implicit-tls',
    source: 'setup',
    now: NOW,
  })
  const cases: Array<[string, Partial<ObservationInput>, boolean]> = [
    ['compliant implicit TLS 1.3', {}, true],
    ['STARTTLS stripped', preTls('starttls_not_offered'), false],
    ['bytes injected after STARTTLS', preTls('bytes_after_starttls'), false],
    ['PREAUTH before TLS', preTls('preauth_before_tls'), false],
    ['TLS 1.1 downgrade', { tls: { version: 'TLSv1.1', cipher: 'AES128-SHA', cipherBits: 128 } }, false],
    [
      'certificate from another CA',
      {
        certificate: {
          chainTrusted: false,
          chainError: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
          expired: false,
          nameMatch: null,
        },
      },
      false,
    ],
    ['implicit TLS → STARTTLS', { transport: 'starttls' }, false],
  ]
  let good = true
  for (const [name, patch, expectOk] of cases) {
    const v = evaluate(c, observation(patch))
    const ok = v.outcome === 'ok'
    good &&= ok === expectOk
    out(
      `${ok ? 'allowed ' : 'REFUSED '} ${name.padEnd(32)} ${ok ? '' : v.violations.map((x) => `${x.code} (${x.resultType})`).join(', ')}`,
    )
  }
  return good ? 0 : 1
}
