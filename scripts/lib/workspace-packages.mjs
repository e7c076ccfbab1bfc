// The publishable @mua-sts/* packages: which they are, the order they build in, building them, packing
// them with `pnpm pack` (which turns `workspace:*` into the released version) and reading a packed
// manifest back. Shared by `npm run build`, scripts/check-packages.mjs and test/packaging. Plain Node ESM.
import { spawn } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { pnpmCommand } from './pnpm.mjs'

export const ROOT = join(import.meta.dirname, '..', '..')
const DEP_FIELDS = ['dependencies', 'optionalDependencies', 'peerDependencies', 'devDependencies']

/** Every non-private package under packages/, in dependency order (a package after all it needs). */
export function publishablePackages() {
  const all = new Map()
  for (const d of readdirSync(join(ROOT, 'packages')).sort()) {
    const dir = join(ROOT, 'packages', d)
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
    if (!pkg.private) all.set(pkg.name, { name: pkg.name, dir, pkg })
  }
  const order = []
  const visit = (name, path) => {
    if (order.some((p) => p.name === name)) return
    if (path.includes(name)) throw new Error(`dependency cycle: ${[...path, name].join(' -> ')}`)
    // devDependencies too: the CLI type-checks its lazily loaded demo against @mua-sts/testing's types.
    for (const dep of internalDeps(all.get(name).pkg, all)) visit(dep, [...path, name])
    order.push(all.get(name))
  }
  for (const name of all.keys()) visit(name, [])
  return order
}

function internalDeps(pkg, all) {
  return DEP_FIELDS.flatMap((f) => Object.keys(pkg[f] ?? {})).filter((n) => all.has(n) && n !== pkg.name)
}

/** The one version all packages share (they are released together); reports disagreement via `fail`. */
export function packagesVersion(packages, fail) {
  const versions = [...new Set(packages.map((p) => p.pkg.version))]
  if (versions.length !== 1) fail(`package versions disagree: ${versions.join(', ')}`)
  return versions[0]
}

/** Resolves with the exit status of `cmd args` (stdio inherited unless `quiet`, then captured). */
export function spawnAsync(cmd, args, { cwd = ROOT, env = process.env, quiet = false } = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env, stdio: quiet ? ['ignore', 'pipe', 'pipe'] : 'inherit' })
    let output = ''
    child.stdout?.on('data', (b) => (output += b))
    child.stderr?.on('data', (b) => (output += b))
    child.on('error', (e) => resolve({ status: 1, output: `${output}${e.message}` }))
    child.on('close', (status) => resolve({ status: status ?? 1, output }))
  })
}

/**
 * Builds `packages` (default: all publishable ones) with scripts/build.mjs, `concurrency` at a time,
 * each only after the packages it depends on. Rejects naming the first package that failed to build.
 */
export async function buildPackages({
  packages = publishablePackages(),
  concurrency = 2,
  quiet = false,
} = {}) {
  const names = new Set(packages.map((p) => p.name))
  const done = new Set()
  const pending = [...packages]
  const running = new Set()
  const script = join(ROOT, 'scripts/build.mjs')
  while (pending.length > 0 || running.size > 0) {
    const ready = pending.filter((p) => internalDeps(p.pkg, names).every((d) => done.has(d) || !names.has(d)))
    for (const p of ready.slice(0, Math.max(0, concurrency - running.size))) {
      pending.splice(pending.indexOf(p), 1)
      const job = spawnAsync(process.execPath, [script], { cwd: p.dir, quiet }).then((r) => ({ p, r, job }))
      running.add(job)
    }
    if (running.size === 0)
      throw new Error(`cannot order the build of: ${pending.map((p) => p.name).join(', ')}`)
    const { p, r, job } = await Promise.race(running)
    running.delete(job)
    if (r.status !== 0) {
      await Promise.all(running)
      throw new Error(`build of ${p.name} failed (exit ${r.status})${quiet ? `:\n${r.output}` : ''}`)
    }
    done.add(p.name)
  }
}

/** `pnpm pack`s each package into `destination` (4 at a time); returns `{ name, tarball }` per package. */
export async function packPackages(destination, { packages = publishablePackages(), quiet = true } = {}) {
  const pnpm = pnpmCommand()
  const pack = async (p) => {
    const args = [...pnpm.slice(1), 'pack', '--pack-destination', destination]
    const r = await spawnAsync(pnpm[0], args, { cwd: p.dir, quiet })
    if (r.status !== 0) throw new Error(`pnpm pack of ${p.name} failed (exit ${r.status}):\n${r.output}`)
    const file = `${p.name.replace(/^@/, '').replace('/', '-')}-${p.pkg.version}.tgz`
    return { name: p.name, tarball: join(destination, file) }
  }
  const packed = []
  for (let i = 0; i < packages.length; i += 4)
    packed.push(...(await Promise.all(packages.slice(i, i + 4).map(pack))))
  return packed
}

/** Reads one file out of a .tgz (ustar, as npm and pnpm write them); undefined when absent. */
export function readTarEntry(tgzPath, entryPath) {
  const tar = gunzipSync(readFileSync(tgzPath))
  let longName
  for (let off = 0; off + 512 <= tar.length; ) {
    const header = tar.subarray(off, off + 512)
    if (header.every((b) => b === 0)) return undefined
    const field = (start, len) =>
      header
        .subarray(start, start + len)
        .toString('utf8')
        .replace(/\0.*$/s, '')
    const size = Number.parseInt(field(124, 12).trim() || '0', 8)
    const prefix = field(345, 155)
    const name = longName ?? (prefix ? `${prefix}/${field(0, 100)}` : field(0, 100))
    const type = field(156, 1)
    const body = tar.subarray(off + 512, off + 512 + size)
    longName = type === 'L' ? body.toString('utf8').replace(/\0.*$/s, '') : undefined
    if (type !== 'L' && name === entryPath) return body.toString('utf8')
    off += 512 + Math.ceil(size / 512) * 512
  }
  return undefined
}

/**
 * What is wrong with a packed package.json, as messages (empty when it is publishable): a `workspace:`
 * range left in any dependency field, or an internal @mua-sts/* dependency not pinned to `version`
 * (all packages are released together, so each names the exact sibling it was tested with).
 */
export function packedManifestProblems(manifest, version) {
  const problems = []
  if (manifest.version !== version)
    problems.push(`version ${manifest.version} is not the release version ${version}`)
  for (const field of DEP_FIELDS)
    for (const [dep, range] of Object.entries(manifest[field] ?? {})) {
      if (typeof range === 'string' && range.startsWith('workspace:'))
        problems.push(`${field}.${dep} is still "${range}"`)
      else if (dep.startsWith('@mua-sts/') && field !== 'devDependencies' && range !== version)
        problems.push(`${field}.${dep} is "${range}", expected the release version "${version}"`)
    }
  if (JSON.stringify(manifest).includes('"workspace:'))
    problems.push('a "workspace:" protocol value is left in the manifest')
  return [...new Set(problems)]
}
