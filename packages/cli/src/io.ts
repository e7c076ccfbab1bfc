// The command's view of the terminal, injectable so commands run in-process in tests. Results go to
// stdout, progress and errors to stderr (so `--json` output stays clean for scripts).
import { createInterface } from 'node:readline/promises'

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
      try {
        return await rl.question(question)
      } finally {
        rl.close()
      }
    },
    onInterrupt: (listener) => {
      process.once('SIGINT', listener)
      return () => process.off('SIGINT', listener)
    },
  }
}
