// The README's main-job command, run in-process: every attack × protocol is refused before
// credentials and reported, and --json writes schema-valid reports.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ReportSchema } from '@mua-sts/core'
import { describe, expect, it } from 'vitest'
import { runFullDemo } from '../../packages/cli/src/demo/run-demo.js'

describe('mua-sts demo', () => {
  it('sets up, uses every protocol, refuses every attack before credentials and exits 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mua-sts-demo-test-'))
    const lines: string[] = []
    try {
      const code = await runFullDemo({ out: (l) => lines.push(l), json: join(dir, 'reports.json') })
      const text = lines.join('\n')
      expect(code, text).toBe(0)
      expect(text).toContain('every attack was refused before credentials and reported')
      expect(text).not.toMatch(/CREDENTIALS REACHED|NOT REFUSED|FAILED/)
      // In-band mode 'spec' (issue #14): the certificate from another CA fails the tls-cert latch, which
      // is named to the server; a failed SPKI pin is never named in band.
      expect(text).toMatch(/in band to the server: ID \(.*"latch-fail" "tls-cert"\)/)
      expect(text).not.toMatch(/in band to the server: .*spki-pin/)
      const json = JSON.parse(readFileSync(join(dir, 'reports.json'), 'utf8')) as {
        outcomes: Array<{
          applicable: boolean
          refused: boolean
          credentialsSeen: boolean
          reports: unknown[]
        }>
      }
      const applicable = json.outcomes.filter((o) => o.applicable)
      expect(applicable.length).toBeGreaterThanOrEqual(12)
      for (const o of applicable) {
        expect(o).toMatchObject({ refused: true, credentialsSeen: false })
        for (const r of o.reports) ReportSchema.parse(r)
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
