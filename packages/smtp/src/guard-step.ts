// The only commands the SDK writes between the post-TLS EHLO and MAIL FROM: DEEP's CLIENT (-04 §7.3)
// and the SASL exchange. They run inside a nodemailer customAuth handler because that is nodemailer's
// public hook for writing commands at that point of the session; nodemailer's own AUTH code never
// runs. The tripwire sits right in front of the first credential byte (integration notes §8.1).
import { ErrorCode, SdkError } from '@mua-sts/core'
import { assertPassed } from '@mua-sts/transport'
import type { Logger } from 'nodemailer/lib/shared'
import type { SMTPConnectionCustomAuthContext } from 'nodemailer/lib/smtp-connection'
import { clientAccepted } from './client-command.js'
import type { SmtpAuth } from './options.js'
import { authenticate, type Mechanism, type SendCommand } from './sasl.js'

export type StepPlan =
  /**
   * The guard refused and the in-band mode lets it say why: send CLIENT … latch-fail=… (or the -05
   * policy-fail form) and stop (no AUTH). `onSent` runs once the line was handed to the socket, so the
   * report claims only what was written (issue #14).
   */
  | { readonly kind: 'report'; readonly clientLine: string; readonly onSent?: () => void }
  /** The guard passed `socket`: send CLIENT if the server speaks DEEP/MSTS, then authenticate. */
  | {
      readonly kind: 'authenticate'
      readonly clientLine: string | undefined
      readonly socket: object
      readonly mechanism: Mechanism
      readonly auth: SmtpAuth
      /** Called right before the first credential byte (the connect deadline's `login` phase). */
      readonly onLogin?: () => void
    }

/** Ends the step after a latch-fail report; the caller then rejects with the guard's own error. */
export class ReportedInBand extends Error {
  constructor() {
    super('in-band report sent; not authenticating')
  }
}

export class GuardStep {
  #plan: StepPlan | undefined
  #failure: unknown
  readonly #currentSocket: () => unknown
  readonly #log: () => Logger

  /** `currentSocket` reads the socket nodemailer writes to, so the tripwire checks that very object. */
  constructor(currentSocket: () => unknown, log: () => Logger) {
    this.#currentSocket = currentSocket
    this.#log = log
  }

  /** Arms the step for exactly one run. */
  arm(plan: StepPlan): void {
    this.#plan = plan
    this.#failure = undefined
  }

  /**
   * Why the last run failed. nodemailer rewrites the code of any error a handler rejects with (to
   * EAUTH), so the real error is kept here and the handler rejects with a plain placeholder.
   */
  failure(): unknown {
    return this.#failure
  }

  /** The customAuth handler nodemailer calls from `login()`. */
  readonly handler = (ctx: SMTPConnectionCustomAuthContext): Promise<void> =>
    this.#run(ctx).catch((e: unknown) => {
      this.#failure = e
      throw new Error('guarded step did not complete')
    })

  async #run(ctx: SMTPConnectionCustomAuthContext): Promise<void> {
    const plan = this.#plan
    this.#plan = undefined
    if (plan === undefined)
      throw new SdkError(ErrorCode.Internal, 'AUTH was requested outside the guarded step')
    const send: SendCommand = async (line) => {
      const r = await ctx.sendCommand(line)
      return { status: r.status, text: r.text }
    }
    if (plan.kind === 'report') {
      // A refused session whose server IS authenticated: the in-band latch-fail report, then QUIT.
      await this.#client(send, plan.clientLine, plan.onSent)
      throw new ReportedInBand()
    }
    // Tripwires before the first byte of a normal session's CLIENT or AUTH.
    if (this.#currentSocket() !== plan.socket) {
      throw new SdkError(
        ErrorCode.GuardBypassed,
        'nodemailer is about to authenticate on a socket the guard did not check',
      )
    }
    assertPassed(plan.socket, '@mua-sts/smtp CLIENT/AUTH')
    if (plan.clientLine !== undefined) await this.#client(send, plan.clientLine)
    plan.onLogin?.()
    await authenticate(send, plan.mechanism, plan.auth)
  }

  /** DEEP -04 §7.3: the server answers 250 or 501; neither, nor anything else, ends the session. */
  async #client(send: SendCommand, line: string, onSent?: () => void): Promise<void> {
    // send() writes the line synchronously (nodemailer's sendCommand) before it waits for the reply.
    const reply = send(line)
    onSent?.()
    const r = await reply
    const log = this.#log()
    if (clientAccepted(r.status)) log.debug({ tnx: 'mua-sts' }, 'CLIENT accepted (%s)', r.status)
    else
      log.info({ tnx: 'mua-sts', status: r.status }, 'Server answered CLIENT with %s; continuing', r.status)
  }
}
