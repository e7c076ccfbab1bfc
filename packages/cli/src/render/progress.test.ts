// The probe progress display: a task list redrawn in place on a terminal, plain lines elsewhere.
import type { Candidate, ProbeEvent, ProbeResult } from '@mua-sts/setup'
import { describe, expect, it } from 'vitest'
import type { CliIo } from '../io.js'
import { createProgress } from './progress.js'

const candidate: Candidate = {
  service: 'imap',
  host: 'mail.example.test',
  port: 993,
  transport: 'implicit-tls',
  source: 'srv',
  trust: { level: 'trusted', reason: 'srv_target_in_domain' },
  priority: 0,
}
const refused: ProbeResult = {
  candidate,
  status: 'refused',
  violations: [],
  failure: { code: 'certificate_expired', message: 'The certificate has expired.' },
}
const events: ProbeEvent[] = [
  { type: 'started', index: 0, candidate },
  { type: 'failed', index: 0, candidate, code: 'certificate_expired', message: '' },
  { type: 'done', index: 0, candidate, result: refused },
]

function io(tty: boolean) {
  const lines: string[] = []
  const raw: string[] = []
  const value: CliIo = {
    out: () => {},
    err: (l) => lines.push(l),
    errRaw: (t) => raw.push(t),
    stdoutIsTty: tty,
    stderrIsTty: tty,
    stdinIsTty: tty,
    env: {},
    prompt: async () => '',
    promptSecret: async () => '',
    readStdinLine: async () => '',
    onInterrupt: () => () => {},
  }
  return { value, lines, raw }
}

describe('probe progress', () => {
  it('prints one plain line per finished candidate when stderr is not a terminal', () => {
    const t = io(false)
    const progress = createProgress(t.value)
    for (const e of events) progress.onEvent(e)
    progress.stop()
    expect(t.lines).toEqual(['probe: imap mail.example.test:993 implicit TLS: refused certificate_expired'])
    expect(t.raw).toEqual([])
  })

  it('redraws the task list in place on a terminal, ending with the outcome', () => {
    const t = io(true)
    const progress = createProgress(t.value)
    for (const e of events) progress.onEvent(e)
    progress.stop()
    expect(t.lines).toEqual([])
    expect(t.raw[0]).toMatch(/^\x1b\[2K {2}. imap mail\.example\.test:993 implicit TLS\n$/)
    // Every later frame first moves up over the previous one.
    expect(t.raw.slice(1).every((frame) => frame.startsWith('\x1b[1A'))).toBe(true)
    expect(t.raw.at(-1)).toContain('✖ imap mail.example.test:993 implicit TLS  certificate_expired')
  })
})
