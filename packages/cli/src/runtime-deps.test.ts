// Guard (issue #12 item 7): @mua-sts/testing is a development package and must not be needed to run
// the CLI. It may be a devDependency only, and the shipped bundles (built as scripts/build.mjs builds
// them) may load it only through the demo's dynamic import, never at start-up.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const PKG = join(import.meta.dirname, '..')
const require = createRequire(import.meta.url)
const esbuild = require('esbuild') as typeof import('esbuild')

describe('@mua-sts/testing is not a runtime dependency of the CLI', () => {
  it('is at most a devDependency', () => {
    const pkg = JSON.parse(readFileSync(join(PKG, 'package.json'), 'utf8')) as Record<
      string,
      Record<string, string> | undefined
    >
    expect(pkg['dependencies']?.['@mua-sts/testing']).toBeUndefined()
    expect(pkg['peerDependencies']?.['@mua-sts/testing']).toBeUndefined()
    expect(pkg['devDependencies']?.['@mua-sts/testing']).toBe('workspace:*')
  })

  it.each(['esm', 'cjs'] as const)(
    'is only imported dynamically by the %s bundle of the bin',
    async (format) => {
      const result = await esbuild.build({
        entryPoints: [join(PKG, 'src/bin.ts')],
        bundle: true,
        packages: 'external',
        platform: 'node',
        target: 'node20',
        format,
        write: false,
        logLevel: 'silent',
      })
      const code = result.outputFiles?.[0]?.text ?? ''
      expect(code).toContain('import("@mua-sts/testing")')
      expect(code).not.toMatch(/from\s*["']@mua-sts\/testing["']|require\(\s*["']@mua-sts\/testing["']\s*\)/)
    },
  )
})
