#!/usr/bin/env node
// Builds every package and checks what would be published: publint --strict (exports, files, types)
// and @arethetypeswrong (ESM and CJS consumers under node16 and bundler resolution). Also checks that
// all @mua-sts/* versions agree. Run by CI; `npm run check:packages` locally.
import { spawnSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

const ROOT = join(import.meta.dirname, '..')
const bin = (name) => join(ROOT, 'node_modules/.bin', name)
function run(cmd, args, cwd = ROOT) {
  const r = spawnSync(cmd, args, { cwd, stdio: 'inherit' })
  return r.status ?? 1
}

// Topological order from the manifests, so each package builds against its dependencies' dist types.
const manifests = new Map(
  readdirSync(join(ROOT, 'packages')).map((d) => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'packages', d, 'package.json'), 'utf8'))
    return [pkg.name, { dir: join(ROOT, 'packages', d), pkg }]
  }),
)
const order = []
const visit = (name) => {
  if (order.includes(name)) return
  const { pkg } = manifests.get(name)
  // devDependencies too: the CLI type-checks its lazily loaded demo against @mua-sts/testing's types.
  for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies, ...pkg.devDependencies }))
    if (manifests.has(dep)) visit(dep)
  order.push(name)
}
for (const name of manifests.keys()) visit(name)

let failures = 0
for (const name of order)
  if (run(process.execPath, [join(ROOT, 'scripts/build.mjs')], manifests.get(name).dir) !== 0) process.exit(1)
const versions = new Set()
for (const name of order) {
  const { dir, pkg } = manifests.get(name)
  versions.add(pkg.version)
  if (run(bin('publint'), ['--strict', '--pack', 'npm'], dir) !== 0) failures++
  if (run(bin('attw'), ['--pack', '.', '--profile', 'node16', '--format', 'table-flipped'], dir) !== 0)
    failures++
}
if (versions.size !== 1) {
  console.error(`package versions disagree: ${[...versions].join(', ')}`)
  failures++
}
console.log(failures === 0 ? 'packages: all good' : `packages: ${failures} problem(s)`)
process.exit(failures === 0 ? 0 : 1)
