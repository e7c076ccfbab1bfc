// The pinned pnpm, without requiring a global install: the one on PATH when it is the pinned version,
// otherwise the one npx caches under ~/.npm/_npx (no corepack needed). Plain Node ESM.
import { spawnSync } from 'node:child_process'
import { isAbsolute } from 'node:path'

export const PNPM_VERSION = '12.4.2'

let cached
/** argv prefix that runs the pinned pnpm, e.g. `['pnpm']`, `['/…/_npx/…/.bin/pnpm']` or `['npx', …]`. */
export function pnpmCommand() {
  cached ??= resolvePnpm()
  return cached
}

function resolvePnpm() {
  const isPinned = (cmd) =>
    spawnSync(cmd, ['--version'], { encoding: 'utf8' }).stdout?.trim() === PNPM_VERSION
  if (isPinned('pnpm')) return ['pnpm']
  // Resolve npx's cached binary once: a script that runs pnpm a dozen times (one `pnpm pack` per package)
  // then pays npx's start-up once, not per call.
  const where = spawnSync('npx', ['--yes', '-p', `pnpm@${PNPM_VERSION}`, '-c', 'command -v pnpm'], {
    encoding: 'utf8',
  })
  const bin = where.status === 0 ? where.stdout.trim().split('\n').at(-1) : undefined
  if (bin && isAbsolute(bin) && isPinned(bin)) return [bin]
  return ['npx', '--yes', `pnpm@${PNPM_VERSION}`]
}
