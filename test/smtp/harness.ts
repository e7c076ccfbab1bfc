// Shared set-up for the SMTP guard tests: a commitment for the fake server's port in a memory store,
// a report collector, and a nodemailer transporter built the way an app builds it.
import {
  type Commitment,
  CommitmentViolationError,
  createCommitment,
  isSdkError,
  type Report,
  type Transport,
} from '@mua-sts/core'
import { FIXED_NOW } from '@mua-sts/core/testing'
import { callbackSink, ReportDispatcher } from '@mua-sts/reports'
import { type GuardedSmtpOptions, guardedSmtpTransport } from '@mua-sts/smtp'
import { MemoryCommitmentStore } from '@mua-sts/store'
import type { FakeSmtpServer } from '@mua-sts/testing'
import { createTransport, type Transporter } from 'nodemailer'
import { expect } from 'vitest'
import { testPki } from '../support/certs.js'

export const ACCOUNT = 'acct-smtp-1'
export const USER = 'alice@example.test'
export const PASS = 'correct horse battery staple'
export const MESSAGE = {
  from: USER,
  to: 'bob@example.test',
  subject: 'Quarterly numbers',
  text: 'Hello Bob,\r\n.leading dot survives transparency\r\nBye\r\n',
} as const

export type CommitmentShape = {
  transport: Transport
  host?: string
  port?: number
  pins?: string[]
  latches?: string[]
  directives?: Commitment['directives']
  tlsFloor?: Commitment['tlsFloor']
}

export type Guarded = {
  store: MemoryCommitmentStore
  reports: Report[]
  commitment: Commitment
  mailer: Transporter
  current(): Promise<Commitment | undefined>
}

export function commitmentFor(server: { port: number }, shape: CommitmentShape): Commitment {
  const base = createCommitment({
    account: ACCOUNT,
    service: 'submission',
    host: shape.host ?? 'localhost',
    // The test accounts are user@example.test: the fake servers' status URLs live under that domain (#12).
    domain: 'example.test',
    port: shape.port ?? server.port,
    transport: shape.transport,
    pins: shape.pins ?? [],
    ...(shape.tlsFloor === undefined ? {} : { tlsFloor: shape.tlsFloor }),
    source: 'setup',
    now: FIXED_NOW,
  })
  return { ...base, latches: [...(shape.latches ?? [])].sort(), directives: shape.directives ?? {} }
}

/** A guarded transporter for `server` with its commitment stored. */
export async function guardedFor(
  server: { port: number },
  shape: CommitmentShape,
  extra: Partial<GuardedSmtpOptions> = {},
): Promise<Guarded> {
  const store = new MemoryCommitmentStore()
  const commitment = await store.strengthen(commitmentFor(server, shape))
  const reports: Report[] = []
  const mailer = createTransport(
    guardedSmtpTransport({
      account: ACCOUNT,
      store,
      reports: new ReportDispatcher([callbackSink((event) => reports.push(event.report))]),
      trust: { ca: testPki().caCert },
      now: () => new Date(FIXED_NOW),
      auth: { user: USER, pass: PASS },
      ...extra,
    }),
  )
  return { store, reports, commitment, mailer, current: () => store.get(ACCOUNT, 'submission') }
}

/** Runs `op`, expects a CommitmentViolationError, and checks the report was dispatched before it. */
export async function expectRefusal(
  g: Pick<Guarded, 'reports'>,
  op: () => Promise<unknown>,
): Promise<CommitmentViolationError> {
  let error: unknown
  let reportsWhenRejected = -1
  try {
    await op()
  } catch (e) {
    error = e
    reportsWhenRejected = g.reports.length
  }
  expect(isSdkError(error, 'MUASTS_ERR_COMMITMENT_VIOLATED')).toBe(true)
  expect(error).toBeInstanceOf(CommitmentViolationError)
  const refusal = error as CommitmentViolationError
  expect(reportsWhenRejected).toBe(1)
  expect(g.reports[0]).toEqual(refusal.report)
  return refusal
}

const SECRET_FORMS = [
  PASS,
  Buffer.from(PASS).toString('base64'),
  Buffer.from(`\0${USER}\0${PASS}`).toString('base64'),
]

/** The server never saw a credential, a CLIENT, or any mail transaction command. */
export function expectNothingLeaked(server: FakeSmtpServer): void {
  for (const verb of ['AUTH', 'CLIENT', 'MAIL', 'RCPT', 'DATA', '(sasl)'])
    expect(server.verbs()).not.toContain(verb)
  const wire = server.clientBytes().toString('latin1')
  for (const secret of SECRET_FORMS) expect(wire).not.toContain(secret)
  expect(wire).not.toMatch(/^(AUTH|CLIENT|MAIL FROM)/im)
  expect(server.delivered).toEqual([])
}
