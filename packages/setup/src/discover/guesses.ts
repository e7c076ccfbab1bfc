// Last-resort guesses, as every wizard makes them: common host prefixes on the mail domain with the
// standard ports. Never port 25 (relay, not submission: RFC 6409 §1) and never cleartext ports
// without STARTTLS (RFC 8314 §5.1). Nothing here is probed; the wizard's prober decides.
import type { DraftCandidate, Service, Transport } from './candidate.js'
import { guessedTrust } from './trust.js'

type Pattern = {
  readonly service: Service
  readonly prefixes: readonly string[]
  readonly ports: readonly [number, Transport][]
}

// Ports: RFC 8314 §3 (993, 995, 465 Implicit TLS), RFC 6409 §3.1 (587), RFC 2595 (143, 110 STARTTLS).
const PATTERNS: readonly Pattern[] = [
  {
    service: 'imap',
    prefixes: ['imap.', 'mail.', ''],
    ports: [
      [993, 'implicit-tls'],
      [143, 'starttls'],
    ],
  },
  {
    service: 'pop3',
    prefixes: ['pop3.', 'pop.', 'mail.', ''],
    ports: [
      [995, 'implicit-tls'],
      [110, 'starttls'],
    ],
  },
  {
    service: 'submission',
    prefixes: ['smtp.', 'mail.', ''],
    ports: [
      [465, 'implicit-tls'],
      [587, 'starttls'],
    ],
  },
]

/** The guessed endpoints for `domain`, most likely first. Pure. */
export function guessCandidates(domain: string): DraftCandidate[] {
  return PATTERNS.flatMap(({ service, prefixes, ports }) =>
    prefixes.flatMap((prefix, hostIndex) =>
      ports.map(([port, transport], portIndex) => ({
        service,
        transport,
        host: `${prefix}${domain}`,
        port,
        source: 'guess' as const,
        trust: guessedTrust,
        order: hostIndex * ports.length + portIndex,
      })),
    ),
  )
}
