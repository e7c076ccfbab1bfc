// Reading a secret (the mail password, a keychain passphrase) without it ever reaching the screen, a
// log or an argument list. On a terminal the input is switched to raw mode so nothing is echoed; from a
// pipe (`--password-stdin`) the first line is the secret. Secrets on argv would show in `ps` and shell
// history, which is why there is no `--password <value>` flag at all.
import type { Readable, Writable } from 'node:stream'
import { ErrorCode, SdkError } from '@mua-sts/core'
import { UsageError } from './exit.js'

/** Longest secret accepted; longer input is refused rather than cut. */
export const MAX_SECRET_CHARS = 1024
// What is read from a pipe at most before giving up: a password file is one line, not a stream.
const MAX_STDIN_BYTES = 64 * 1024

/** A readable that may be a terminal (process.stdin is a tty.ReadStream on a TTY). */
export type SecretSource = Readable & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown }

const CTRL_C = '\u0003'
const CTRL_D = '\u0004'
const BACKSPACE = new Set(['\u007f', '\b'])
const CTRL_U = '\u0015'

function checked(secret: string, what: string): string {
  if (secret.length === 0) throw new UsageError(`${what}: empty input`)
  if (secret.length > MAX_SECRET_CHARS)
    throw new UsageError(`${what}: longer than ${MAX_SECRET_CHARS} characters`)
  return secret
}

/**
 * Prompts on `output` and reads one line from `input` without echoing it: on a TTY in raw mode (the
 * terminal shows nothing, not even asterisks, so the length does not leak either), otherwise as typed.
 * Backspace and Ctrl-U edit; Enter ends; Ctrl-C rejects with MUASTS_ERR_ABORTED; Ctrl-D or the end
 * of the stream before Enter rejects with a UsageError. Raw mode is always restored.
 */
export function readHiddenLine(
  input: SecretSource,
  output: Writable,
  prompt: string,
  what = 'password',
): Promise<string> {
  output.write(prompt)
  const raw = input.isTTY === true && typeof input.setRawMode === 'function'
  if (raw) input.setRawMode?.(true)
  return new Promise<string>((resolve, reject) => {
    let chars: string[] = []
    const finish = (error: Error | undefined): void => {
      input.off('data', onData)
      input.off('end', onEnd)
      input.off('error', onError)
      if (raw) input.setRawMode?.(false)
      input.pause()
      // The newline the user typed was not echoed; end the prompt line ourselves.
      output.write('\n')
      const secret = chars.join('')
      chars = []
      if (error !== undefined) reject(error)
      else {
        try {
          resolve(checked(secret, what))
        } catch (e) {
          reject(e)
        }
      }
    }
    const onData = (chunk: Buffer | string): void => {
      for (const ch of typeof chunk === 'string' ? chunk : chunk.toString('utf8')) {
        let end: Error | null | undefined
        if (ch === '\r' || ch === '\n') end = null
        else if (ch === CTRL_C) end = new SdkError(ErrorCode.Aborted, `${what} entry cancelled`)
        else if (ch === CTRL_D) end = new UsageError(`${what}: input ended before Enter`)
        else if (BACKSPACE.has(ch)) chars.pop()
        else if (ch === CTRL_U) chars = []
        else if (chars.length > MAX_SECRET_CHARS)
          end = new UsageError(`${what}: longer than ${MAX_SECRET_CHARS} characters`)
        else chars.push(ch)
        if (end !== undefined) {
          finish(end ?? undefined)
          return
        }
      }
    }
    const onEnd = (): void => finish(new UsageError(`${what}: input ended before Enter`))
    const onError = (error: Error): void => finish(error)
    input.on('data', onData)
    input.once('end', onEnd)
    input.once('error', onError)
    input.resume()
  })
}

/**
 * The first line of a piped stream (`--password-stdin`), without its line ending. The rest of the
 * stream is read and discarded (capped), so a writer never blocks on a full pipe.
 */
export function readFirstLine(input: Readable, what = 'password'): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = []
    let total = 0
    const done = (error?: Error): void => {
      input.off('data', onData)
      input.off('end', onEnd)
      input.off('error', onError)
      input.pause()
      if (error !== undefined) {
        reject(error)
        return
      }
      const text = Buffer.concat(chunks).toString('utf8')
      chunks.length = 0
      const line = /^([^\r\n]*)/.exec(text)?.[1] ?? ''
      try {
        resolve(checked(line, what))
      } catch (e) {
        reject(e)
      }
    }
    const onData = (chunk: Buffer | string): void => {
      const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
      total += b.length
      if (total > MAX_STDIN_BYTES)
        done(new UsageError(`${what}: more than ${MAX_STDIN_BYTES} bytes on stdin`))
      else chunks.push(b)
    }
    const onEnd = (): void => done()
    const onError = (error: Error): void => done(error)
    input.on('data', onData)
    input.once('end', onEnd)
    input.once('error', onError)
    input.resume()
  })
}
