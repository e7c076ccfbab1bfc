// What an adopter installs, loaded the ways adopters load it (#16): every publishable package is built,
// packed with `pnpm pack`, installed from the tarballs into a scratch app with npm, then require()d and
// import()ed (with every subpath export) under plain Node and under `--no-experimental-require-module`,
// which is how Node 20.0–20.18 and Electron ≤ 34 behave: a CJS build that require()s an ESM-only
// dependency fails there with ERR_REQUIRE_ESM. A tiny TypeScript consumer type-checks under node16
// (ESM and CJS) and bundler resolution. Everything lives in one temp dir, removed afterwards.
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  buildPackages,
  packPackages,
  publishablePackages,
  ROOT,
  readTarEntry,
  spawnAsync,
} from '../../scripts/lib/workspace-packages.mjs'

const SLOW = 300_000
// Each of these spawns Node processes that load every package; generous for a loaded 2-core machine.
const SPAWNS = 120_000
const NO_REQUIRE_ESM = '--no-experimental-require-module'
const packages = publishablePackages()
let work = ''
let app = ''
let specifiers: string[] = []

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'mua-sts-packed-'))
  await buildPackages({ packages, quiet: true })
  const tarballs = join(work, 'tarballs')
  mkdirSync(tarballs)
  const packed = await packPackages(tarballs, { packages })
  for (const { tarball } of packed) {
    const manifest = JSON.parse(readTarEntry(tarball, 'package/package.json') ?? '{}')
    specifiers.push(
      ...Object.keys(manifest.exports ?? {}).map((k) => join(manifest.name, k).replace(/\/\.$/, '')),
    )
  }
  specifiers = specifiers.sort()
  app = join(work, 'app')
  mkdirSync(app)
  const dependencies = Object.fromEntries(packed.map((p) => [p.name, `file:${p.tarball}`]))
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, dependencies }))
  // --ignore-scripts: loading needs no native build (keytar is imported lazily, and only when used).
  const npm = spawnSync(
    'npm',
    ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'],
    { cwd: app, encoding: 'utf8', env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' } },
  )
  if (npm.status !== 0) throw new Error(`npm install of the tarballs failed:\n${npm.stdout}${npm.stderr}`)
  writeFileSync(join(app, 'load.cjs'), LOADER.replace('LOAD', 'require(s)'))
  writeFileSync(join(app, 'load.mjs'), LOADER.replace('LOAD', 'await import(s)'))
}, SLOW)

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true })
})

// Prints, per specifier, the sorted export names, or the error code and first line.
const LOADER = `const out = {}
for (const s of JSON.parse(process.argv[2])) {
  try {
    const m = LOAD
    out[s] = { names: Object.keys(m).filter((k) => k !== 'default' && k !== '__esModule').sort() }
  } catch (e) {
    out[s] = { error: \`\${e.code ?? e.name}: \${String(e.message).split('\\n')[0]}\` }
  }
}
console.log(JSON.stringify(out))
`

function load(file: string, nodeFlags: string[]): Record<string, { names?: string[]; error?: string }> {
  const r = spawnSync(process.execPath, [...nodeFlags, file, JSON.stringify(specifiers)], {
    cwd: app,
    encoding: 'utf8',
  })
  expect(r.status, r.stderr).toBe(0)
  return JSON.parse(r.stdout)
}

describe('packed packages, installed from their tarballs into a fresh app', () => {
  it(`fails an ESM-only require() under ${NO_REQUIRE_ESM}, so the runs below mean what they say (control)`, () => {
    writeFileSync(join(app, 'esm-only.mjs'), 'export const x = 1\n')
    const probe = "try { require('./esm-only.mjs'); console.log('loaded') } catch (e) { console.log(e.code) }"
    const run = (flags: string[]) =>
      spawnSync(process.execPath, [...flags, '-e', probe], { cwd: app, encoding: 'utf8' }).stdout.trim()
    expect(run([NO_REQUIRE_ESM])).toBe('ERR_REQUIRE_ESM')
  })

  it('packs every publishable package with each export', () => {
    expect(specifiers).toEqual(expect.arrayContaining(packages.map((p) => p.name)))
    expect(specifiers).toContain('@mua-sts/core/testing')
  })

  for (const [mode, flags] of [
    ['plain node', []],
    [NO_REQUIRE_ESM, [NO_REQUIRE_ESM]],
  ] as const) {
    it(
      `require()s and import()s every package and subpath, with the same exports (${mode})`,
      () => {
        const cjs = load('load.cjs', [...flags])
        const esm = load('load.mjs', [...flags])
        for (const s of specifiers) {
          expect(cjs[s], `require('${s}')`).not.toHaveProperty('error')
          expect(esm[s], `import('${s}')`).not.toHaveProperty('error')
          expect(cjs[s]?.names?.length, s).toBeGreaterThan(0)
          expect(cjs[s]?.names, `${s}: CJS and ESM builds export the same names`).toEqual(esm[s]?.names)
        }
      },
      SPAWNS,
    )

    it(
      `runs the mua-sts CLI, both builds of its bin (${mode})`,
      () => {
        const cli = join(app, 'node_modules/@mua-sts/cli')
        const bin = JSON.parse(readFileSync(join(cli, 'package.json'), 'utf8')).bin['mua-sts']
        for (const file of [join(cli, bin), join(cli, 'dist/cjs/bin.js')]) {
          const r = spawnSync(process.execPath, [...flags, file, '--help'], { cwd: app, encoding: 'utf8' })
          expect(r.stderr).toBe('')
          expect(r.status).toBe(0)
          expect(r.stdout).toMatch(/mua-sts <command>/)
        }
      },
      SPAWNS,
    )
  }

  it(
    'type-checks a consumer of every package under node16 (ESM and CJS) and bundler resolution',
    async () => {
      // Both programs at once: each reads every declaration file, ours and our dependencies' (no skipLibCheck).
      const results = await Promise.all(
        (
          [
            ['node16', 'node16', { 'consumer.mts': 'esm', 'consumer.cts': 'cjs' }],
            ['bundler', 'esnext', { 'consumer.ts': 'esm' }],
          ] as const
        ).map(([resolution, module, files]) => {
          const dir = join(app, `ts-${resolution}`)
          mkdirSync(dir, { recursive: true })
          for (const [file, kind] of Object.entries(files)) writeFileSync(join(dir, file), consumer(kind))
          const compilerOptions = {
            module,
            moduleResolution: resolution,
            target: 'es2022',
            strict: true,
            noEmit: true,
            skipLibCheck: false,
            types: ['node'],
            typeRoots: [join(ROOT, 'node_modules/@types')],
          }
          const tsconfig = { compilerOptions, files: Object.keys(files) }
          writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig))
          const tsc = join(ROOT, 'node_modules/.bin/tsc')
          return spawnAsync(tsc, ['-p', dir], { cwd: dir, quiet: true }).then((r) => ({ resolution, ...r }))
        }),
      )
      for (const r of results) {
        expect(r.output, r.resolution).toBe('')
        expect(r.status, r.resolution).toBe(0)
      }
    },
    SLOW,
  )
})

// Imports every specifier and touches one typed export of @mua-sts/core, so a broken declaration
// (a missing file, an unresolvable import inside our .d.ts) is an error, not an implicit any.
function consumer(kind: 'esm' | 'cjs'): string {
  const lines = specifiers.map((s, i) =>
    kind === 'cjs' ? `import m${i} = require('${s}')` : `import * as m${i} from '${s}'`,
  )
  const core = specifiers.indexOf('@mua-sts/core')
  lines.push(`const code: \`MUASTS_ERR_\${string}\` = m${core}.ErrorCode.InvalidOption`)
  lines.push(`export const loaded = [code, ${specifiers.map((_, i) => `m${i}`).join(', ')}]`)
  return `${lines.join('\n')}\n`
}
