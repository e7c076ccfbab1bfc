#!/usr/bin/env node
// Builds one workspace package (run from its directory): ESM and CJS bundles with esbuild, and
// declarations with tsc, so Electron main processes that are still CJS get correct `require` types.
// Layout: dist/esm/** (type: module) and dist/cjs/** (type: commonjs).
import { spawnSync } from 'node:child_process'
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join, relative } from 'node:path'

const require = createRequire(import.meta.url)
const esbuild = require('esbuild')
const ROOT = join(import.meta.dirname, '..')
const pkgDir = process.cwd()
const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'))

// Entry points come from the `@mua-sts/source` condition of each export, plus the CLI's bin.
const entries = Object.values(pkg.exports ?? {}).map((e) => e['@mua-sts/source'])
if (pkg.bin) entries.push('./src/bin.ts')
const entryPoints = Object.fromEntries(
  entries.map((e) => [e.replace(/^\.\/src\//, '').replace(/\.ts$/, ''), join(pkgDir, e)]),
)

rmSync(join(pkgDir, 'dist'), { recursive: true, force: true })
for (const [format, dir] of [
  ['esm', 'dist/esm'],
  ['cjs', 'dist/cjs'],
]) {
  await esbuild.build({
    entryPoints,
    outdir: join(pkgDir, dir),
    bundle: true,
    packages: 'external',
    platform: 'node',
    target: 'node20',
    format,
    sourcemap: true,
    logLevel: 'warning',
  })
  writeFileSync(
    join(pkgDir, dir, 'package.json'),
    `${JSON.stringify({ type: format === 'esm' ? 'module' : 'commonjs' })}\n`,
  )
}

function tsc(outDir, compilerOptions) {
  const cfg = join(pkgDir, `tsconfig.build-${outDir.replace(/\W/g, '')}.json`)
  const config = {
    extends: relative(pkgDir, join(ROOT, 'tsconfig.base.json')),
    compilerOptions: {
      rootDir: 'src',
      outDir,
      declaration: true,
      emitDeclarationOnly: true,
      sourceMap: false,
      // Build against the other packages' published types, never their sources (null clears the
      // inherited `@mua-sts/source` condition).
      customConditions: null,
      ...compilerOptions,
    },
    include: ['src/**/*.ts'],
    // Tests, and what only tests import (fixtures next to them), never reach dist/.
    exclude: ['src/**/*.test.ts', 'src/**/*.fixtures.ts', 'src/testing/arbitraries.ts'],
  }
  writeFileSync(cfg, JSON.stringify(config))
  const r = spawnSync(join(ROOT, 'node_modules/.bin/tsc'), ['-p', cfg], { cwd: pkgDir, stdio: 'inherit' })
  rmSync(cfg)
  if (r.status !== 0) process.exit(r.status ?? 1)
}
tsc('dist/esm', {})
// The declarations are the same text for both module systems (they only use `export`/`import` with
// relative `.js` specifiers and bare package names); what differs is how a consumer resolves them, which
// dist/cjs/package.json (type: commonjs) decides. Copying them halves the build; attw checks the result
// under node10, node16-cjs, node16-esm and bundler resolution (scripts/check-packages.mjs).
cpSync(join(pkgDir, 'dist/esm'), join(pkgDir, 'dist/cjs'), {
  recursive: true,
  filter: (src) => !/\.(js|js\.map)$/.test(src) && !src.endsWith('package.json'),
})
console.log(`built ${pkg.name}`)
