// Is keytar's native module usable after `pnpm install`? keytar builds from source here (its prebuilt
// download cannot be reached), and pnpm reports a failed build of an optional dependency only as a
// warning, so the install "succeeds" with no keytar.node and the keychain suites later say
// "gnome-keyring is not available" (#16). scripts/run.mjs probes, rebuilds once, and otherwise stops
// with what is missing. Plain Node ESM.
import { spawnSync } from 'node:child_process'

/** Debian/Ubuntu package names of what keytar's node-gyp build needs, in the order we print them. */
export const BUILD_NEEDS = ['libsecret-1-dev', 'pkg-config', 'g++', 'make', 'python3']

/**
 * Loads keytar in a child process from `cwd` (a package that depends on it). A child, because a
 * native module that fails to load can take the process down, and a later rebuild must be seen fresh.
 * @returns {{ status: number | null, stderr: string }}
 */
export function probeKeytar(cwd) {
  const r = spawnSync(process.execPath, ['-e', "require('keytar')"], {
    cwd,
    encoding: 'utf8',
    timeout: 30_000,
  })
  return { status: r.status, stderr: `${r.stderr ?? ''}${r.error ? r.error.message : ''}` }
}

/** Which of BUILD_NEEDS are present, checked without a package manager (Linux only; {} elsewhere). */
export function probeBuildTools(platform = process.platform) {
  if (platform !== 'linux') return {}
  const ok = (cmd, args) => spawnSync(cmd, args, { stdio: 'ignore' }).status === 0
  const pkgConfig = ok('pkg-config', ['--version'])
  return {
    // Without pkg-config the .pc file cannot be looked up; count libsecret as missing too, so the
    // message names both and one apt-get line fixes it.
    'libsecret-1-dev': pkgConfig && ok('pkg-config', ['--exists', 'libsecret-1']),
    'pkg-config': pkgConfig,
    'g++': ok('g++', ['--version']),
    make: ok('make', ['--version']),
    python3: ok('python3', ['--version']),
  }
}

/**
 * The verdict on one probe: `{ ok: true }`, or `{ ok: false, missing, message }` where `missing` lists
 * what to install (build tools, or the runtime library) and `message` says it in one paragraph.
 * Pure: takes the probe's result and the tool check, so every branch is unit-tested.
 */
export function keytarVerdict(probe, tools) {
  if (probe.status === 0) return { ok: true }
  const cause = firstLine(probe.stderr)
  if (/Cannot find module 'keytar'/.test(probe.stderr))
    return broken([], `keytar is not installed at all (${cause}); run the install again`)
  if (/libsecret-1\.so/.test(probe.stderr))
    return broken(
      ['libsecret-1-0'],
      `keytar is built but cannot load libsecret at run time (${cause}). Install libsecret-1-0 (Debian/Ubuntu).`,
    )
  const missing = BUILD_NEEDS.filter((need) => tools[need] === false)
  if (missing.length > 0)
    return broken(
      missing,
      `keytar's native module did not build: missing ${missing.join(', ')}. ` +
        `On Debian/Ubuntu: apt-get install ${missing.join(' ')}; then run the command again (${cause}).`,
    )
  return broken(
    [],
    `keytar's native module does not load (${cause}) although its build tools are present; ` +
      'run `pnpm rebuild keytar` to see the compiler output.',
  )
}

function broken(missing, message) {
  return { ok: false, missing, message }
}

function firstLine(text) {
  const line = text.split('\n').find((l) => /Error|error:|Cannot|cannot/.test(l)) ?? text.split('\n')[0] ?? ''
  return line.trim().slice(0, 200) || 'no error output'
}
