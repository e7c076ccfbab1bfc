// The per-user data directory a FileStore defaults to. This replaces env-paths, whose v4 is ESM-only and
// made `require('@mua-sts/store')` fail with ERR_REQUIRE_ESM on Node 20.0–20.18 and Electron ≤ 34 (#16).
// The layout is exactly env-paths' `data` path with `suffix: ''`, so stores created by earlier releases
// are found where they were: a default that moved would open an empty store and forget every commitment.
import { homedir } from 'node:os'
import { posix, win32 } from 'node:path'
import { ErrorCode, SdkError } from '@mua-sts/core'

/** What the data directory depends on; `perUserDataDir()` reads them from the running process. */
export type DataDirEnvironment = {
  readonly platform: NodeJS.Platform
  readonly env: Readonly<Record<string, string | undefined>>
  readonly homedir: string
}

/**
 * The per-user data directory of the application `name`:
 * - macOS: `~/Library/Application Support/<name>`;
 * - Windows: `%LOCALAPPDATA%\<name>\Data` (falling back to `<home>\AppData\Local`). Local, not Roaming:
 *   the store's integrity key lives in this machine's credential vault, so a roamed copy could not be read;
 * - Linux and other Unixes: `$XDG_DATA_HOME/<name>`, falling back to `~/.local/share/<name>`.
 *
 * A relative `XDG_DATA_HOME`, `LOCALAPPDATA` or home directory is ignored (XDG Base Directory spec:
 * "If an implementation encounters a relative path in any of these variables it should consider the path
 * invalid"): it would place the store wherever the process happened to start. No I/O.
 * @throws MUASTS_ERR_INVALID_OPTION when no absolute per-user directory can be determined (pass `dir`).
 */
export function dataDirFor(name: string, e: DataDirEnvironment): string {
  const path = e.platform === 'win32' ? win32 : posix
  const absolute = (p: string | undefined): string | undefined => (p && path.isAbsolute(p) ? p : undefined)
  const home = absolute(e.homedir)
  let base: string | undefined
  if (e.platform === 'darwin') base = home && path.join(home, 'Library', 'Application Support')
  else if (e.platform === 'win32') {
    const local = absolute(e.env['LOCALAPPDATA']) ?? (home && path.join(home, 'AppData', 'Local'))
    return local ? path.join(local, name, 'Data') : noDataDir(e)
  } else base = absolute(e.env['XDG_DATA_HOME']) ?? (home && path.join(home, '.local', 'share'))
  return base ? path.join(base, name) : noDataDir(e)
}

/** `dataDirFor(name)` for the running process (reads `process.platform`, `process.env`, `os.homedir()`). */
export function perUserDataDir(name: string): string {
  let home = ''
  try {
    home = homedir()
  } catch {
    // os.homedir() throws when the user has no passwd entry (some containers); dataDirFor then fails coded.
  }
  return dataDirFor(name, { platform: process.platform, env: process.env, homedir: home })
}

function noDataDir(e: DataDirEnvironment): never {
  const vars =
    e.platform === 'win32' ? 'LOCALAPPDATA' : e.platform === 'darwin' ? 'HOME' : 'XDG_DATA_HOME/HOME'
  throw new SdkError(
    ErrorCode.InvalidOption,
    `FileStore options.dir: no per-user data directory could be determined (${vars} unset or not absolute); pass dir explicitly`,
  )
}
