// Live probe progress on stderr. On a terminal: a task list redrawn in place with a spinner. Elsewhere
// (pipes, CI logs): one plain line per finished candidate, so logs stay readable and diffable.
import type { ProbeEvent } from '@mua-sts/setup'
import type { CliIo } from '../io.js'
import { describeCandidate } from './probe-table.js'

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏']

type Task = { label: string; state: 'running' | 'tls' | 'ok' | 'failed' | 'cancelled'; note: string }

export type Progress = { readonly onEvent: (event: ProbeEvent) => void; readonly stop: () => void }

function symbol(task: Task, frame: string): string {
  if (task.state === 'ok') return '✔'
  if (task.state === 'failed') return '✖'
  if (task.state === 'cancelled') return '–'
  return frame
}

/** A task list on a TTY (redrawn every 100 ms and on each event), plain lines otherwise. */
export function createProgress(io: CliIo): Progress {
  const tasks = new Map<number, Task>()
  if (!io.stderrIsTty) {
    return {
      onEvent: (e) => {
        if (e.type !== 'done') return
        const r = e.result
        const outcome =
          r.failure === undefined
            ? `compliant ${r.observation?.tls?.version ?? ''}`
            : `${r.status} ${r.failure.code}`
        io.err(`probe: ${describeCandidate(e.candidate)}: ${outcome.trim()}`)
      },
      stop: () => {},
    }
  }
  let drawn = 0
  let tick = 0
  const draw = (): void => {
    const frame = FRAMES[tick++ % FRAMES.length] ?? '*'
    const lines = [...tasks.values()].map(
      (t) => `  ${symbol(t, frame)} ${t.label}${t.note === '' ? '' : `  ${t.note}`}`,
    )
    // Move up over the previous frame, then rewrite every line (\x1b[2K clears it).
    io.errRaw(`${drawn > 0 ? `\x1b[${drawn}A` : ''}${lines.map((l) => `\x1b[2K${l}\n`).join('')}`)
    drawn = lines.length
  }
  const timer = setInterval(draw, 100)
  timer.unref()
  return {
    onEvent: (e) => {
      const task = tasks.get(e.index) ?? { label: describeCandidate(e.candidate), state: 'running', note: '' }
      tasks.set(e.index, task)
      if (e.type === 'tls-ok') Object.assign(task, { state: 'tls', note: e.tlsVersion })
      if (e.type === 'done') {
        const r = e.result
        const state = r.status === 'compliant' ? 'ok' : r.status === 'cancelled' ? 'cancelled' : 'failed'
        Object.assign(task, { state, note: r.failure?.code ?? r.observation?.tls?.version ?? '' })
      }
      draw()
    },
    stop: () => {
      clearInterval(timer)
      if (tasks.size > 0) draw()
    },
  }
}
