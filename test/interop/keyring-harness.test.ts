// Smoke test of the keyring harness: under scripts/with-keyring.sh, keytar reaches a real, unlocked
// gnome-keyring over D-Bus, and that keyring lives in a private temp HOME, never the user's own.
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { requireOrSkip } from '../support/availability.js'
import { keytarAvailable, loadKeytar } from '../support/keyring.js'

const available = await keytarAvailable()

describe.skipIf(!requireOrSkip(available, 'an unlocked keyring (run under scripts/with-keyring.sh)'))(
  'keyring harness',
  () => {
    // Unique per run: every test file of one vitest run shares the same keyring.
    const service = `mua-sts-keyring-harness-${randomBytes(4).toString('hex')}`
    const account = 'alice@example.test'

    afterAll(async () => {
      await (await loadKeytar())?.deletePassword(service, account)
    })

    it('round-trips a secret through gnome-keyring with keytar and deletes it', async () => {
      const keytar = (await loadKeytar())!
      await keytar.setPassword(service, account, '{"v":1,"spki":"abc="}')
      expect(await keytar.getPassword(service, account)).toBe('{"v":1,"spki":"abc="}')
      expect(await keytar.deletePassword(service, account)).toBe(true)
      expect(await keytar.getPassword(service, account)).toBeNull()
    })

    it('stores a real Secret Service item that secret-tool and findCredentials both see', async () => {
      const keytar = (await loadKeytar())!
      await keytar.setPassword(service, account, 'seen-by-secret-tool')
      // secret-tool prints the secret on stdout and the attributes on stderr.
      const { stdout, stderr } = await promisify(execFile)('secret-tool', [
        'search',
        '--all',
        'service',
        service,
      ])
      expect(stdout).toContain('secret = seen-by-secret-tool')
      expect(stderr).toContain(`attribute.account = ${account}`)
      expect(await keytar.findCredentials(service)).toEqual([{ account, password: 'seen-by-secret-tool' }])
    })

    it('keeps the keyring file under a private temporary XDG_DATA_HOME', async () => {
      // with-keyring.sh makes it under the machine's temp dir, before the run's own temp root exists.
      const machineTmp = process.env['MUA_STS_OUTER_TMPDIR'] ?? tmpdir()
      const dataHome = process.env['XDG_DATA_HOME'] ?? ''
      expect(dataHome.startsWith(machineTmp)).toBe(true)
      expect(process.env['HOME']?.startsWith(machineTmp)).toBe(true)
      expect(existsSync(join(dataHome, 'keyrings', 'login.keyring'))).toBe(true)
    })
  },
)
