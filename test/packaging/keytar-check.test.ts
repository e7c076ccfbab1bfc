// The install step's keytar check (scripts/run.mjs): a broken native build is never taken for a finished
// install, and the message names what to install (#16).
import { describe, expect, it } from 'vitest'
import { BUILD_NEEDS, keytarVerdict, probeKeytar } from '../../scripts/lib/keytar-check.mjs'

const allTools = Object.fromEntries(BUILD_NEEDS.map((n) => [n, true]))
const notBuilt = {
  status: 1,
  stderr:
    "node:internal/modules/cjs/loader:1228\n  throw err;\nError: Cannot find module '../build/Release/keytar.node'\nRequire stack:\n- /x/keytar/lib/keytar.js",
}

describe('keytarVerdict', () => {
  it('accepts a keytar that loads', () => {
    expect(keytarVerdict({ status: 0, stderr: '' }, {})).toEqual({ ok: true })
  })

  it('names exactly the missing build dependencies and the apt-get line that installs them', () => {
    const v = keytarVerdict(notBuilt, { ...allTools, 'libsecret-1-dev': false, make: false })
    expect(v).toMatchObject({ ok: false, missing: ['libsecret-1-dev', 'make'] })
    if (v.ok) throw new Error('unreachable')
    expect(v.message).toContain('missing libsecret-1-dev, make')
    expect(v.message).toContain('apt-get install libsecret-1-dev make')
    expect(v.message).toContain("Cannot find module '../build/Release/keytar.node'")
  })

  it('lists every build need when none is installed, in a fixed order', () => {
    const none = Object.fromEntries(BUILD_NEEDS.map((n) => [n, false]))
    const v = keytarVerdict(notBuilt, none)
    expect(v.ok === false && v.missing).toEqual(['libsecret-1-dev', 'pkg-config', 'g++', 'make', 'python3'])
  })

  it('points at the runtime library when the module is built but libsecret cannot be loaded', () => {
    const v = keytarVerdict(
      {
        status: 1,
        stderr: 'Error: libsecret-1.so.0: cannot open shared object file: No such file or directory',
      },
      allTools,
    )
    expect(v).toMatchObject({ ok: false, missing: ['libsecret-1-0'] })
  })

  it('still fails, with a way to see the compiler output, when all tools are present', () => {
    const v = keytarVerdict(notBuilt, allTools)
    expect(v.ok).toBe(false)
    expect(v.ok === false && v.message).toContain('pnpm rebuild keytar')
  })

  it('fails when keytar is not installed at all, and a crash without output still counts as broken', () => {
    expect(keytarVerdict({ status: 1, stderr: "Error: Cannot find module 'keytar'" }, allTools).ok).toBe(
      false,
    )
    expect(keytarVerdict({ status: null, stderr: '' }, {}).ok).toBe(false)
  })

  it('probes the real keytar of this workspace in a child process', () => {
    // The workspace installs keytar (scripts/run.mjs refuses to mark an install done otherwise).
    expect(probeKeytar(new URL('../../packages/store', import.meta.url).pathname)).toMatchObject({
      status: 0,
    })
  })
})
