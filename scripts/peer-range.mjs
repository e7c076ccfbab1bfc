#!/usr/bin/env node
// Runs the IMAP and SMTP suites against the lowest and the newest release inside the peerDependencies
// ranges of @mua-sts/imap (imapflow) and @mua-sts/smtp (nodemailer) (#16), so a range only says what was
// tested. The repo itself pins one version of each (devDependencies); this script copies the workspace
// into a temp dir, rewrites every manifest there to the version under test, installs from pnpm's store
// (fetching what it lacks), checks what got installed, and runs the suites. The copy is removed at the end.
//
//   node scripts/peer-range.mjs [lowest|newest|both]    (default: both; CI runs both)
import { spawnSync } from 'node:child_process'
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative, sep } from 'node:path'
import { pnpmCommand } from './lib/pnpm.mjs'
import { ROOT } from './lib/workspace-packages.mjs'

/** Which peer each range comes from, and the suites that exercise it. */
const PEERS = [
  { name: 'imapflow', owner: 'packages/imap' },
  { name: 'nodemailer', owner: 'packages/smtp' },
]
const SUITES = ['packages/imap/src', 'packages/smtp/src', 'test/imap', 'test/smtp']
const SKIP = new Set(['node_modules', '.git', 'dist', 'test-results', 'coverage', '.tmp', '.generated'])

const which = process.argv[2] ?? 'both'
if (!['lowest', 'newest', 'both'].includes(which))
  die('usage: node scripts/peer-range.mjs [lowest|newest|both]')

function die(message) {
  console.error(`peer-range: ${message}`)
  process.exit(2)
}

function readJson(file) {
  return JSON.parse(readFileSync(file, 'utf8'))
}

/** Released (non-prerelease) versions of `name` inside `range`, oldest first, from the registry. */
function versionsInRange(name, range) {
  const r = spawnSync('npm', ['view', `${name}@${range}`, 'version', '--json'], { encoding: 'utf8' })
  if (r.status !== 0) die(`npm view ${name}@${range} failed:\n${r.stderr}`)
  const list = [JSON.parse(r.stdout)].flat().filter((v) => !v.includes('-'))
  const key = (v) => v.split('.').map(Number)
  return list.sort((a, b) => {
    const [x, y] = [key(a), key(b)]
    return x[0] - y[0] || x[1] - y[1] || x[2] - y[2]
  })
}

/** Every package.json of the workspace copy (root, packages/*, examples/*, test, benchmarks). */
function manifests(root) {
  const dirs = ['.', 'test', 'benchmarks']
  for (const group of ['packages', 'examples'])
    for (const d of readdirSync(join(root, group))) dirs.push(join(group, d))
  return dirs.map((d) => join(root, d, 'package.json')).filter(existsSync)
}

/** Pins `versions` in every manifest of the copy (peerDependencies keep their published range). */
function pinEverywhere(root, versions) {
  for (const file of manifests(root)) {
    const pkg = readJson(file)
    for (const field of ['dependencies', 'devDependencies', 'optionalDependencies'])
      for (const [name, version] of Object.entries(versions))
        if (pkg[field]?.[name]) pkg[field][name] = version
    writeFileSync(file, `${JSON.stringify(pkg, null, 2)}\n`)
  }
}

/** The version of `name` that `fromDir`'s package resolves (its node_modules link, followed). */
function installedVersion(root, fromDir, name) {
  const link = join(root, fromDir, 'node_modules', name)
  return existsSync(link) ? readJson(join(realpathSync(link), 'package.json')).version : undefined
}

function runOnce(label, versions) {
  const copy = mkdtempSync(join(tmpdir(), 'mua-sts-peer-range-'))
  try {
    cpSync(ROOT, copy, {
      recursive: true,
      filter: (src) =>
        !relative(ROOT, src)
          .split(sep)
          .some((part) => SKIP.has(part)),
    })
    pinEverywhere(copy, versions)
    const pnpm = pnpmCommand()
    const env = { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' }
    console.log(
      `\n== peer range, ${label}: ${Object.entries(versions)
        .map(([n, v]) => `${n}@${v}`)
        .join(', ')}`,
    )
    // No install scripts: the suites need neither keytar's native build nor Electron's binary.
    const install = spawnSync(
      pnpm[0],
      [
        ...pnpm.slice(1),
        'install',
        '--no-frozen-lockfile',
        '--prefer-offline',
        '--ignore-scripts',
        '--reporter=silent',
      ],
      { cwd: copy, stdio: 'inherit', env },
    )
    if (install.status !== 0) return `${label}: pnpm install failed`
    for (const { name, owner } of PEERS) {
      const got = installedVersion(copy, owner, name)
      if (got !== versions[name])
        return `${label}: ${owner} resolved ${name}@${got}, expected ${versions[name]}`
    }
    const vitest = spawnSync(pnpm[0], [...pnpm.slice(1), 'exec', 'vitest', 'run', ...SUITES], {
      cwd: copy,
      stdio: 'inherit',
      env,
    })
    return vitest.status === 0 ? undefined : `${label}: the imap/smtp suites failed`
  } finally {
    rmSync(copy, { recursive: true, force: true })
  }
}

const bounds = which === 'both' ? ['lowest', 'newest'] : [which]
const runs = new Map()
for (const bound of bounds) {
  const versions = {}
  for (const { name, owner } of PEERS) {
    const range = readJson(join(ROOT, owner, 'package.json')).peerDependencies?.[name]
    if (!range) die(`${owner}/package.json has no peerDependencies.${name}`)
    const found = versionsInRange(name, range)
    if (found.length === 0) die(`no released ${name} satisfies ${range}`)
    versions[name] = bound === 'lowest' ? found[0] : found.at(-1)
  }
  // Where lowest and newest coincide for every peer, one run covers both.
  const key = JSON.stringify(versions)
  runs.set(key, runs.has(key) ? `${runs.get(key)}+${bound}` : bound)
}
const failures = [...runs].map(([key, label]) => runOnce(label, JSON.parse(key))).filter(Boolean)
for (const f of failures) console.error(`peer-range: ${f}`)
console.log(
  failures.length === 0 ? '\npeer-range: all runs passed' : `\npeer-range: ${failures.length} run(s) failed`,
)
process.exit(failures.length === 0 ? 0 : 1)
