#!/usr/bin/env node
// Builds every publishable package, packs it with `pnpm pack` (exactly what `pnpm publish` uploads) and
// checks those tarballs: no `workspace:` range left and @mua-sts/* siblings pinned to the release
// version, publint --strict (exports, files, types), and @arethetypeswrong (ESM and CJS consumers under
// node16 and bundler resolution; node10 is not a supported consumer). Also checks that all @mua-sts/* versions agree.
// Run by CI; `npm run check:packages` locally. The tarballs live in a temp dir removed at the end, or,
// with `--out <dir>` (a release, see RELEASING.md), stay in <dir> so exactly the checked files are published.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import {
  buildPackages,
  packagesVersion,
  packedManifestProblems,
  packPackages,
  publishablePackages,
  ROOT,
  readTarEntry,
  spawnAsync,
} from './lib/workspace-packages.mjs'

const bin = (name) => join(ROOT, 'node_modules/.bin', name)
const packages = publishablePackages()
let failures = 0
const fail = (message) => {
  console.error(`  ✗ ${message}`)
  failures++
}

const version = packagesVersion(packages, fail)
await buildPackages({ packages })
const outArg = process.argv.indexOf('--out')
const keep = outArg === -1 ? undefined : process.argv[outArg + 1]
if (outArg !== -1 && !keep) {
  console.error('usage: node scripts/check-packages.mjs [--out <dir>]')
  process.exit(2)
}
if (keep) mkdirSync(resolve(keep), { recursive: true })
const out = keep ? resolve(keep) : mkdtempSync(join(tmpdir(), 'mua-sts-pack-'))
try {
  for (const { name, tarball } of await packPackages(out, { packages })) {
    console.log(`\n── ${name} (${tarball.slice(out.length + 1)})`)
    const manifest = JSON.parse(readTarEntry(tarball, 'package/package.json') ?? '{}')
    for (const problem of packedManifestProblems(manifest, version)) fail(`${name}: ${problem}`)
    if ((await spawnAsync(bin('publint'), ['run', tarball, '--strict'])).status !== 0)
      fail(`${name}: publint`)
    const attw = await spawnAsync(bin('attw'), [tarball, '--profile', 'node16', '--format', 'table-flipped'])
    if (attw.status !== 0) fail(`${name}: arethetypeswrong`)
  }
} finally {
  if (!keep) rmSync(out, { recursive: true, force: true })
}
if (keep && failures === 0)
  console.log(
    `\ntarballs kept in ${out}, in publish order:\n${packages.map((p) => `  ${p.name}`).join('\n')}`,
  )
console.log(failures === 0 ? '\npackages: all good' : `\npackages: ${failures} problem(s)`)
process.exit(failures === 0 ? 0 : 1)
