import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { REFERENCE_FILES } from '../../scripts/gen-reference-docs.js'

describe('generated reference docs', () => {
  it.each(REFERENCE_FILES.map(([p, r]) => [p.replace(/.*\/docs\//, 'docs/'), p, r] as const))(
    '%s is up to date (run: pnpm exec tsx scripts/gen-reference-docs.ts)',
    (_name, path, render) => {
      expect(readFileSync(path, 'utf8')).toBe(render())
    },
  )
})
