// The command's view of the terminal, injectable so commands run in-process in tests. Results go to
// stdout, progress and errors to stderr (so `--json` output stays clean for scripts).
import { createInterface } from 'node:readline/promises'
import { ErrorCode, SdkError } from '@mua-sts/core'
import { readFirstLine, readHiddenLine } from './secret-input.js'

export type CliIo = {
  readonly out: (line: string) => void
  readonly err: (line: string) => void
  /** Raw stderr writes, for the live task list (TTY only). */
  readonly errRaw: (text: string) => void
  readonly stdoutIsTty: boolean
  readonly stderrIsTty: boolean
  readonly stdinIsTty: boolean
  readonly env: Readonly<Record<string, string | undefined>>
  /** Asks one question on the terminal and returns the answer line. */
  readonly prompt: (question: string) => Promise<string>
  /** Asks for a secret on the terminal without echoing it (see secret-input.ts). */
  readonly promptSecret: (question: string, what: string) => Promise<string>
  /** The first line of stdin when it is a pipe (`--password-stdin`); the rest is discarded. */
  readonly readStdinLine: (what: string) => Promise<string>
  /** Fires once on Ctrl-C (SIGINT); returns an unsubscribe function. */
  readonly onInterrupt: (listener: () => void) => () => void
}

/** The process's real terminal. */
export function processIo(): CliIo {
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    errRaw: (text) => process.stderr.write(text),
    stdoutIsTty: process.stdout.isTTY === true,
    stderrIsTty: process.stderr.isTTY === true,
    stdinIsTty: process.stdin.isTTY === true,
    env: process.env,
    prompt: async (question) => {
      const rl = createInterface({ input: process.stdin, output: process.stderr })
      // readline swallows Ctrl-C on a terminal (it only pauses); turn it into an abort, exit 130.
      const cancel = new AbortController()
      rl.once('SIGINT', () => cancel.abort())
      try {
        return await rl.question(question, { signal: cancel.signal })
      } catch (error) {
        if (!cancel.signal.aborted) throw error
        throw new SdkError(ErrorCode.Aborted, 'cancelled at the prompt', { cause: error })
      } finally {
        rl.close()
      }
    },
    promptSecret: (question, what) => readHiddenLine(process.stdin, process.stderr, question, what),
    readStdinLine: (what) => readFirstLine(process.stdin, what),
    onInterrupt: (listener) => {
      process.once('SIGINT', listener)
      return () => process.off('SIGINT', listener)
    },
  }
}
