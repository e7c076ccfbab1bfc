#!/usr/bin/env node
// The README's two commands (`npm test`, `npm run demo`), `npm run build`, `npm run bench` and
// `npm run check:packages` land here. On a fresh machine with only Node >= 20.3 and npm, this bootstraps
// the pinned pnpm, installs the workspace when the lockfile or a manifest changed (and checks that
// keytar's native module really built), then runs the task. Plain Node ESM: nothing to install first.
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { keytarVerdict, probeBuildTools, probeKeytar } from './lib/keytar-check.mjs'
import { PNPM_VERSION, pnpmCommand } from './lib/pnpm.mjs'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
const TASKS = ['test', 'demo', 'bench', 'build', 'packages']
// Tasks that run the keychain suites or the store with its default backend: a broken keytar fails them.
const NEEDS_KEYTAR = new Set(['test', 'demo', 'bench'])

function fail(message, code = 2) {
  console.error(`mua-sts: ${message}`)
  process.exit(code)
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit', ...opts })
  if (r.error) fail(`could not start ${cmd}: ${r.error.message}`)
  return r.status ?? 1
}

function manifestHash() {
  const h = createHash('sha256')
  const files = [
    'pnpm-lock.yaml',
    'pnpm-workspace.yaml',
    'package.json',
    'test/package.json',
    'benchmarks/package.json',
  ]
  for (const dir of ['packages', 'examples']) {
    if (!existsSync(join(ROOT, dir))) continue
    for (const name of readdirSync(join(ROOT, dir)).sort()) files.push(join(dir, name, 'package.json'))
  }
  for (const f of files) if (existsSync(join(ROOT, f))) h.update(f).update(readFileSync(join(ROOT, f)))
  return h.digest('hex')
}

function ensureInstalled(pnpm, task) {
  const marker = join(ROOT, 'node_modules', '.mua-sts-installed')
  const want = manifestHash()
  if (existsSync(marker) && readFileSync(marker, 'utf8') === want) return
  console.log(`mua-sts: installing dependencies with pnpm ${PNPM_VERSION} …`)
  const frozen = existsSync(join(ROOT, 'pnpm-lock.yaml')) ? ['--frozen-lockfile'] : []
  // examples/electron-main needs Electron's typings only; its binary cannot (and need not) be fetched.
  const env = { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' }
  // keytar builds from source (its prebuilt download cannot be reached); point node-gyp at the
  // installed Node headers instead of letting it download them.
  if (env.npm_config_nodedir === undefined && existsSync('/usr/include/node/node.h'))
    env.npm_config_nodedir = '/usr'
  const status = run(pnpm[0], [...pnpm.slice(1), 'install', ...frozen], { env })
  if (status !== 0) fail('dependency installation failed', status)
  // pnpm only warns when an optional dependency's build fails, so the install above can succeed
  // without keytar.node. Check it loads; rebuild once (e.g. libsecret-1-dev was installed since).
  const storeDir = join(ROOT, 'packages', 'store')
  let verdict = keytarVerdict(probeKeytar(storeDir), {})
  if (!verdict.ok) {
    console.log('mua-sts: keytar does not load; rebuilding it …')
    run(pnpm[0], [...pnpm.slice(1), 'rebuild', 'keytar'], { env })
    verdict = keytarVerdict(probeKeytar(storeDir), probeBuildTools())
  }
  // The marker is written only for a complete install, so the next run checks (and rebuilds) again.
  if (verdict.ok) writeFileSync(marker, want)
  else if (NEEDS_KEYTAR.has(task)) fail(verdict.message)
  else console.warn(`mua-sts: warning: ${verdict.message}`)
}

const task = process.argv[2]
if (!TASKS.includes(task)) fail(`usage: node scripts/run.mjs <${TASKS.join('|')}> [args…]`)
// engines.node in package.json: AbortSignal.any() arrived in Node 20.3.
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number)
if (major < 20 || (major === 20 && minor < 3))
  fail(`Node >= 20.3 is required (found ${process.versions.node})`)

const pnpm = pnpmCommand()
ensureInstalled(pnpm, task)
const exec = (args) => run(pnpm[0], [...pnpm.slice(1), 'exec', ...args])
const extra = process.argv.slice(3)

if (task === 'test') {
  let status = exec(['tsc', '-p', 'tsconfig.json', '--noEmit'])
  if (status !== 0) fail('type check failed', status)
  status = exec(['biome', 'check', '.'])
  if (status !== 0) fail('lint/format check failed (fix with: pnpm exec biome check --write .)', status)
  // The keychain suite needs a session bus and an unlocked gnome-keyring; the wrapper provides both
  // (and runs the command directly where they are not installed, so those suites skip outside CI).
  status = run('bash', ['scripts/with-keyring.sh', ...pnpm, 'exec', 'vitest', 'run', ...extra])
  process.exit(status)
} else if (task === 'demo') {
  process.exit(exec(['tsx', '--conditions=@mua-sts/source', 'packages/cli/src/bin.ts', 'demo', ...extra]))
} else if (task === 'packages') {
  process.exit(run(process.execPath, ['scripts/check-packages.mjs', ...extra]))
} else if (task === 'build') {
  process.exit(run(process.execPath, ['scripts/build-packages.mjs', ...extra]))
} else {
  // The benchmarks measure what ships: the built dist/ of every package, as an app imports it. The
  // TypeScript sources under tsx carry esbuild's keepNames helper in every closure, which only the SDK's
  // arm of each ratio would pay (the bare libraries are plain JavaScript). So build first.
  const built = run(process.execPath, ['scripts/build-packages.mjs'])
  if (built !== 0) fail('build failed', built)
  // Under the keyring wrapper, so the keytar rows of the store benchmark always appear (issue #17); where
  // no keyring can start, the store benchmark prints a failed row instead of silently dropping them.
  const bench = [...pnpm, '--filter', '@mua-sts/benchmarks', 'run', 'bench', ...extra]
  process.exit(run('bash', ['scripts/with-keyring.sh', ...bench]))
}
