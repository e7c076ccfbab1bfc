// examples/electron-main cannot run here (no Electron binary: ELECTRON_SKIP_BINARY_DOWNLOAD), so it is
// compiled against Electron 45's own typings with the workspace's strict flags. A renamed safeStorage,
// ipcMain or contextBridge API, or a wizard handler whose types drifted, fails this test.
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const ROOT = join(import.meta.dirname, '..', '..')
const EXAMPLE = join(ROOT, 'examples', 'electron-main')
const TSC = join(ROOT, 'node_modules', '.bin', 'tsc')
const tsc = (...args: string[]) =>
  spawnSync(TSC, ['-p', join(EXAMPLE, 'tsconfig.json'), ...args], { encoding: 'utf8', cwd: ROOT })

describe('examples/electron-main', () => {
  it('compiles against the Electron 45 typings with the workspace strict flags', () => {
    const electron = JSON.parse(readFileSync(join(EXAMPLE, 'node_modules/electron/package.json'), 'utf8'))
    expect(electron.version).toMatch(/^45\./)
    const shown = tsc('--showConfig')
    expect(shown.status).toBe(0)
    const config = JSON.parse(shown.stdout) as { compilerOptions: Record<string, unknown>; files: string[] }
    expect(config.compilerOptions).toMatchObject({
      strict: true,
      noUncheckedIndexedAccess: true,
      exactOptionalPropertyTypes: true,
      noPropertyAccessFromIndexSignature: true,
      verbatimModuleSyntax: true,
    })
    expect(config.files.map((f) => f.replace(/^.*\/src\//, ''))).toEqual(
      expect.arrayContaining(['main.ts', 'preload.ts', 'commitment-store.ts', 'report-forwarding.ts']),
    )

    const r = tsc('--noEmit')
    expect(r.stdout + r.stderr).toBe('')
    expect(r.status).toBe(0)
  })
})
