import { isSdkError } from '@mua-sts/core'
import { markPassed } from '@mua-sts/transport'
import type { Logger } from 'nodemailer/lib/shared'
import type { SMTPConnectionCustomAuthContext } from 'nodemailer/lib/smtp-connection'
import { describe, expect, it } from 'vitest'
import { GuardStep, ReportedInBand } from './guard-step.js'

const auth = { user: 'alice', pass: 'pw' }

/** The part of nodemailer's customAuth context the step uses, answering with scripted codes. */
function context(statuses: number[]) {
  const sent: string[] = []
  const ctx = {
    sendCommand: async (command: string) => {
      sent.push(command)
      const status = statuses.shift() ?? 250
      return { command, response: `${status} ok`, status, text: 'ok' }
    },
  } as unknown as SMTPConnectionCustomAuthContext
  return { ctx, sent }
}

function stepOn(socket: object) {
  // Every call the step makes on the transport logger, level first (nodemailer's bunyan-style Logger).
  const logged: unknown[][] = []
  const record =
    (level: string) =>
    (...a: unknown[]) =>
      void logged.push([level, ...a])
  const log = { info: record('info'), debug: record('debug') } as unknown as Logger
  return {
    step: new GuardStep(
      () => socket,
      () => log,
    ),
    logged,
  }
}

describe('GuardStep', () => {
  it('sends CLIENT, then AUTH, on the socket the guard passed', async () => {
    const socket = {}
    markPassed(socket)
    const { step, logged } = stepOn(socket)
    const { ctx, sent } = context([250, 235])
    step.arm({ kind: 'authenticate', clientLine: 'CLIENT name=x', socket, mechanism: 'PLAIN', auth })

    await step.handler(ctx)

    expect(sent).toEqual(['CLIENT name=x', `AUTH PLAIN ${Buffer.from('\0alice\0pw').toString('base64')}`])
    // An accepted CLIENT is routine: debug level, tagged as the SDK's own line in nodemailer's log.
    expect(logged).toEqual([['debug', { tnx: 'mua-sts' }, 'CLIENT accepted (%s)', 250]])
  })

  it('does not authenticate when nodemailer writes to another socket than the one checked', async () => {
    const checked = {}
    markPassed(checked)
    const { step } = stepOn({})
    const { ctx, sent } = context([250])
    step.arm({ kind: 'authenticate', clientLine: undefined, socket: checked, mechanism: 'PLAIN', auth })

    await expect(step.handler(ctx)).rejects.toThrow()

    expect(isSdkError(step.failure(), 'MUASTS_ERR_GUARD_BYPASSED')).toBe(true)
    expect((step.failure() as Error).message).toBe(
      'nodemailer is about to authenticate on a socket the guard did not check',
    )
    expect(sent).toEqual([])
  })

  it('does not authenticate on a socket the guard never passed (tripwire)', async () => {
    const unchecked = {}
    const { step } = stepOn(unchecked)
    const { ctx, sent } = context([250])
    step.arm({
      kind: 'authenticate',
      clientLine: 'CLIENT name=x',
      socket: unchecked,
      mechanism: 'PLAIN',
      auth,
    })

    await expect(step.handler(ctx)).rejects.toThrow()

    expect(isSdkError(step.failure(), 'MUASTS_ERR_GUARD_BYPASSED')).toBe(true)
    // The message names who reached auth, so a bypass report points at the SMTP step.
    expect((step.failure() as Error).message).toBe(
      'Refusing to authenticate: @mua-sts/smtp CLIENT/AUTH reached auth on an unchecked socket.',
    )
    // The tripwire sits before CLIENT too: nothing at all was written.
    expect(sent).toEqual([])
  })

  it('sends the latch-fail CLIENT and stops before AUTH for a report', async () => {
    const { step } = stepOn({})
    const { ctx, sent } = context([250])
    step.arm({ kind: 'report', clientLine: 'CLIENT latch-fail=spki-pin' })

    await expect(step.handler(ctx)).rejects.toThrow('guarded step did not complete')

    expect(step.failure()).toBeInstanceOf(ReportedInBand)
    expect((step.failure() as Error).message).toBe('in-band report sent; not authenticating')
    expect(sent).toEqual(['CLIENT latch-fail=spki-pin'])
  })

  it('logs a 501 to CLIENT and carries on', async () => {
    const socket = {}
    markPassed(socket)
    const { step, logged } = stepOn(socket)
    const { ctx, sent } = context([501, 235])
    step.arm({ kind: 'authenticate', clientLine: 'CLIENT name=x', socket, mechanism: 'PLAIN', auth })

    await step.handler(ctx)

    expect(sent).toHaveLength(2)
    // A refused CLIENT does not end the session (DEEP -04 §7.3) but is worth an info line with the code.
    expect(logged).toEqual([
      ['info', { tnx: 'mua-sts', status: 501 }, 'Server answered CLIENT with %s; continuing', 501],
    ])
  })

  it('rejects nodemailer with a placeholder so the real error keeps its code', async () => {
    const socket = {}
    markPassed(socket)
    const { step } = stepOn(socket)
    const { ctx } = context([535])
    step.arm({ kind: 'authenticate', clientLine: undefined, socket, mechanism: 'PLAIN', auth })

    const placeholder = await step.handler(ctx).catch((e: unknown) => e)

    expect(isSdkError(placeholder)).toBe(false)
    // nodemailer logs and rewraps this one as EAUTH; it says only that the step stopped.
    expect((placeholder as Error).message).toBe('guarded step did not complete')
    expect(isSdkError(step.failure(), 'MUASTS_ERR_AUTH_FAILED')).toBe(true)
  })

  it('runs once per arm: a second AUTH request without a plan fails closed', async () => {
    const socket = {}
    markPassed(socket)
    const { step } = stepOn(socket)
    step.arm({ kind: 'authenticate', clientLine: undefined, socket, mechanism: 'PLAIN', auth })
    await step.handler(context([235]).ctx)
    const second = context([235])

    await expect(step.handler(second.ctx)).rejects.toThrow()

    expect(isSdkError(step.failure(), 'MUASTS_ERR_INTERNAL')).toBe(true)
    expect((step.failure() as Error).message).toBe('AUTH was requested outside the guarded step')
    expect(second.sent).toEqual([])
  })
})
