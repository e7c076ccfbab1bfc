// core must stay pure (house style H3): no I/O modules, no mail libraries, no clock, no randomness.
// This test reads the sources as text so that it fails the moment such an import or call appears.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { describe, expect, it } from 'vitest'

const SRC = import.meta.dirname

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) return sources(p)
    // testing/arbitraries.ts is test-only (fast-check) and not reachable from any entry point.
    return p.endsWith('.ts') && !p.endsWith('.test.ts') && !p.endsWith('testing/arbitraries.ts') ? [p] : []
  })
}

const IMPORT_RE =
  /(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/g

// zod guards the boundaries; tldts is the Public Suffix List compiled into code (registrable domains for
// status URLs, #12): no fetch, no file, no clock, and no dependency but its own tldts-core.
const ALLOWED: ReadonlySet<string> = new Set(['zod', 'tldts'])

export function forbiddenImports(text: string): string[] {
  const out: string[] = []
  for (const m of text.matchAll(IMPORT_RE)) {
    const spec = m[1] ?? m[2] ?? m[3] ?? ''
    if (spec.startsWith('.') || ALLOWED.has(spec)) continue
    out.push(spec)
  }
  return out
}

const IMPURE_CALLS = [
  /\bDate\.now\(/,
  /\bnew Date\(/,
  /\bMath\.random\(/,
  /\bprocess\.[A-Za-z]/,
  /\bglobalThis\./,
  /\bperformance\.now\(/,
  /\bcrypto\./,
]

function impureCalls(paths: readonly string[]): string[] {
  return paths.flatMap((f) => {
    const text = readFileSync(f, 'utf8')
    return IMPURE_CALLS.filter((re) => re.test(text)).map((re) => `${f}: ${re}`)
  })
}

function scripts(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.js'))
    .map((name) => join(dir, name))
}

describe('@mua-sts/core purity', () => {
  const files = sources(SRC)

  it('finds the core sources', () => {
    expect(files.length).toBeGreaterThan(20)
  })

  it('imports nothing but zod, tldts and its own files', () => {
    const offenders = files.flatMap((f) => forbiddenImports(readFileSync(f, 'utf8')).map((s) => `${f}: ${s}`))
    expect(offenders).toEqual([])
  })

  it('reads no clock, randomness or process state', () => {
    expect(impureCalls(files)).toEqual([])
  })

  // The allowlist above is only sound while tldts stays what it is today: compiled data and string code.
  it('allows only a PSL library that is itself free of I/O, clock and randomness', () => {
    const tldtsPkg = createRequire(join(SRC, '..', 'package.json')).resolve('tldts/package.json')
    const corePkg = createRequire(tldtsPkg).resolve('tldts-core/package.json')
    const shipped = [tldtsPkg, corePkg].flatMap((pkg) =>
      ['es6', 'cjs'].flatMap((f) => scripts(join(dirname(pkg), 'dist', f))),
    )
    expect(shipped.length).toBeGreaterThan(5)
    const imports = shipped.flatMap((f) =>
      forbiddenImports(readFileSync(f, 'utf8'))
        .filter((spec) => spec !== 'tldts-core')
        .map((spec) => `${f}: ${spec}`),
    )
    expect(imports).toEqual([])
    expect(impureCalls(shipped)).toEqual([])
  })

  it('detects the imports it forbids', () => {
    expect(forbiddenImports("import fs from 'node:fs'")).toEqual(['node:fs'])
    expect(forbiddenImports("import { ImapFlow } from 'imapflow'")).toEqual(['imapflow'])
    expect(forbiddenImports("const k = await import('keytar')")).toEqual(['keytar'])
    expect(forbiddenImports("export { x } from 'nodemailer'")).toEqual(['nodemailer'])
    expect(forbiddenImports("import * as z from 'zod'")).toEqual([])
    expect(forbiddenImports("import { getDomain } from 'tldts'")).toEqual([])
    expect(forbiddenImports("import { parse } from 'tldts-experimental'")).toEqual(['tldts-experimental'])
  })
})
