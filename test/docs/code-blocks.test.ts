// Every code block in the README, docs/ and the package and example READMEs runs or type-checks (house style H24): TypeScript blocks
// are compiled together with the workspace's strict settings; shell blocks may only name npm scripts
// and CLI commands that exist.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'

const ROOT = join(import.meta.dirname, '..', '..')
const OUT = join(import.meta.dirname, '.generated')

function markdownFiles(): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((n) => {
      const p = join(dir, n)
      return statSync(p).isDirectory() ? walk(p) : p.endsWith('.md') ? [p] : []
    })
  const readmes = (dir: string) =>
    readdirSync(join(ROOT, dir))
      .map((n) => join(ROOT, dir, n, 'README.md'))
      .filter((p) => existsSync(p))
  return [
    join(ROOT, 'README.md'),
    ...walk(join(ROOT, 'docs')),
    ...readmes('packages'),
    ...readmes('examples'),
  ]
}

type Block = { file: string; line: number; lang: string; code: string }
export function codeBlocks(file: string): Block[] {
  const out: Block[] = []
  const lines = readFileSync(file, 'utf8').split('\n')
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w+)/.exec(lines[i] as string)
    if (!open) continue
    const start = i
    const body: string[] = []
    for (i++; i < lines.length && !(lines[i] as string).startsWith('```'); i++) body.push(lines[i] as string)
    out.push({ file: relative(ROOT, file), line: start + 1, lang: open[1] as string, code: body.join('\n') })
  }
  return out
}

const blocks = markdownFiles().flatMap(codeBlocks)
const tsBlocks = blocks.filter((b) => b.lang === 'ts' || b.lang === 'typescript')
const shBlocks = blocks.filter((b) => b.lang === 'sh' || b.lang === 'bash')

describe('documentation code blocks', () => {
  it('type-checks every TypeScript block against the workspace packages', () => {
    rmSync(OUT, { recursive: true, force: true })
    mkdirSync(OUT, { recursive: true })
    const names = tsBlocks.map((b, i) => {
      const name = `${b.file.replace(/\W+/g, '_')}_L${b.line}_${i}.ts`
      // Each block is its own module; top-level await is allowed as in an ESM script.
      writeFileSync(join(OUT, name), `${b.code}\nexport {}\n`)
      return name
    })
    writeFileSync(
      join(OUT, 'tsconfig.json'),
      JSON.stringify({
        extends: '../../../tsconfig.base.json',
        compilerOptions: { noEmit: true, declaration: false },
        include: names,
      }),
    )
    if (names.length === 0) return
    const r = spawnSync(join(ROOT, 'node_modules/.bin/tsc'), ['-p', join(OUT, 'tsconfig.json')], {
      encoding: 'utf8',
    })
    expect(r.stdout + r.stderr).toBe('')
    expect(r.status).toBe(0)
  })

  it('names only npm scripts that exist in shell blocks', () => {
    const scripts = Object.keys(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts)
    for (const b of shBlocks) {
      for (const m of b.code.matchAll(/npm run ([\w:-]+)/g))
        expect(scripts, `${b.file}:${b.line}`).toContain(m[1])
      if (/\bnpm test\b/.test(b.code)) expect(scripts).toContain('test')
    }
  })
})
