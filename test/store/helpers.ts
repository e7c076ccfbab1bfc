// Shared pieces of the store's cross-process tests.
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Commitment, createCommitment } from '@mua-sts/core'
import { encryptedFileSecretStore, type SecretStore } from '@mua-sts/store'

export const LOOP = join(import.meta.dirname, 'fixtures', 'strengthen-loop.ts')
const ROOT = join(import.meta.dirname, '..', '..')

/** A fresh directory and its removal. */
export function tempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `mua-sts-${prefix}-`))
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

/** The file-backed SecretStore the child processes use (identity cipher; see strengthen-loop.ts). */
export function fileSecrets(path: string): SecretStore {
  return encryptedFileSecretStore({
    path,
    encrypt: async (s) => Buffer.from(s, 'utf8'),
    decrypt: async (b) => Buffer.from(b).toString('utf8'),
  })
}

/** The commitment strengthen-loop.ts builds, with the given latches. */
export function loopCommitment(account: string, latches: Iterable<string>): Commitment {
  const c = createCommitment({
    account,
    service: 'imap',
    host: 'imap.example.net',
    port: 993,
    transport: 'implicit-tls',
    source: 'setup',
    now: '2026-01-01T00:00:00.000Z',
  })
  return { ...c, latches: [...new Set(latches)].sort() }
}

/** Spawns a TypeScript file under tsx with the workspace's source condition. */
export function spawnTsx(script: string, args: string[], env: NodeJS.ProcessEnv = process.env): ChildProcess {
  return spawn(process.execPath, ['--conditions=@mua-sts/source', '--import', 'tsx', script, ...args], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
}

/** Collects complete stdout lines and stderr of a child; `exited` resolves with the exit code/signal. */
export function watch(child: ChildProcess): {
  lines: string[]
  stderr: () => string
  waitFor: (line: string) => Promise<void>
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
} {
  const lines: string[] = []
  const waiters: { line: string; resolve: () => void }[] = []
  let partial = ''
  let err = ''
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n')
    partial = parts.pop() ?? ''
    for (const l of parts) {
      lines.push(l)
      for (const w of waiters.filter((x) => x.line === l)) w.resolve()
    }
  })
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk
  })
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  )
  return {
    lines,
    stderr: () => err,
    exited,
    waitFor: (line) =>
      lines.includes(line)
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => {
            waiters.push({ line, resolve })
            exited.then(({ code }) => reject(new Error(`child exited (${code}) before "${line}": ${err}`)))
          }),
  }
}
