// A CliIo in memory for in-process command tests: scripted prompt answers and stdin, captured output.
import type { CliIo } from '../io.js'

export type MemoryIoOptions = {
  readonly env?: Record<string, string>
  readonly tty?: boolean
  /** Answers to `prompt` and `promptSecret`, in order; an exhausted script answers ''. */
  readonly answers?: readonly string[]
  /** What `readStdinLine` returns (its first line). */
  readonly stdin?: string
}

export function memoryIo(o: MemoryIoOptions = {}) {
  const out: string[] = []
  const err: string[] = []
  const prompts: string[] = []
  const answers = [...(o.answers ?? [])]
  const io: CliIo = {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    errRaw: (t) => err.push(t),
    stdoutIsTty: false,
    stderrIsTty: false,
    stdinIsTty: o.tty ?? false,
    env: o.env ?? {},
    prompt: async (q) => {
      prompts.push(q)
      return answers.shift() ?? ''
    },
    promptSecret: async (q) => {
      prompts.push(q)
      return answers.shift() ?? ''
    },
    readStdinLine: async () => /^[^\r\n]*/.exec(o.stdin ?? '')?.[0] ?? '',
    onInterrupt: () => () => {},
  }
  return { io, out, err, prompts }
}
