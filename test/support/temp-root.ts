// vitest globalSetup: every temporary file of one test run lives under one private directory, removed
// when the run ends. Test helpers keep calling os.tmpdir() as before; pointing TMPDIR here before the
// workers fork is what makes that true for them and for the servers they spawn. A worker that is torn
// down without running its 'exit' handlers (so a helper's own cleanup never runs) then leaves nothing
// behind in the machine's /tmp either.
import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export default function setup(): () => void {
  const previous = process.env['TMPDIR']
  process.env['MUA_STS_OUTER_TMPDIR'] = tmpdir()
  const root = mkdtempSync(join(tmpdir(), 'mua-sts-run-'))
  // Search-only for others (no listing): Dovecot's service users must traverse to the directories
  // the interop suites make below it, as test/support/dovecot.ts already allows for its own.
  chmodSync(root, 0o711)
  process.env['TMPDIR'] = root
  process.env['MUA_STS_TEST_TMP_ROOT'] = root
  return () => {
    const left = readdirSync(root).length
    rmSync(root, { recursive: true, force: true })
    if (previous === undefined) delete process.env['TMPDIR']
    else process.env['TMPDIR'] = previous
    if (process.env['MUA_STS_TEMP_REPORT'] === '1')
      console.log(`mua-sts: removed the run's temp root (${left} entries left by tests)`)
  }
}
