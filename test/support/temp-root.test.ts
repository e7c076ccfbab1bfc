// Tests clean up after themselves: every temp directory a test makes lives under the run's private
// root (test/support/temp-root.ts), which the run removes when it ends.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

describe('the test run temp root', () => {
  it('is what os.tmpdir() returns inside a test worker', () => {
    const root = process.env['MUA_STS_TEST_TMP_ROOT']
    expect(root).toMatch(/mua-sts-run-/)
    expect(tmpdir()).toBe(root)
    const dir = mkdtempSync(join(tmpdir(), 'mua-sts-check-'))
    expect(dir.startsWith(`${root}/`)).toBe(true)
    rmSync(dir, { recursive: true, force: true })
  })
})
