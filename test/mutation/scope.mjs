// What mutation testing covers (issue #16 item 8), as data: read by stryker.config.mjs (what to mutate,
// which tests run) and by scripts/mutation.mjs (which survivors fail the run).
//
// `guard` marks the code whose every decision keeps a credential byte on the client: the verdict
// (evaluate + rules), what a session meets, the gate, the tripwires and the protocol check paths. A
// surviving mutant there means a guard line could change without any test noticing, so it fails the run
// (unless allowlisted as equivalent in equivalent-mutants.json). Other mutated code is scored only.
//
// A file that mixes guard code with schemas or plumbing is narrowed with `from`/`to`: regular
// expressions for the first and last line of the range, so the range follows the code when lines move.
import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')

/**
 * @typedef {{ file: string, from?: RegExp, to?: RegExp, guard: boolean }} Target
 * @typedef {{ name: string, targets: Target[], tests: string[] }} Area
 */

/** @type {Area[]} */
export const AREAS = [
  {
    name: 'core',
    targets: [
      { file: 'packages/core/src/evaluate/evaluate.ts', guard: true },
      { file: 'packages/core/src/evaluate/violation.ts', from: /^export function violation/, guard: true },
      { file: 'packages/core/src/evaluate/rules/transport.ts', guard: true },
      { file: 'packages/core/src/evaluate/rules/tls-version.ts', guard: true },
      { file: 'packages/core/src/evaluate/rules/cipher.ts', guard: true },
      { file: 'packages/core/src/evaluate/rules/certificate.ts', guard: true },
      { file: 'packages/core/src/evaluate/rules/spki-pin.ts', guard: true },
      { file: 'packages/core/src/evaluate/rules/dane.ts', guard: true },
      { file: 'packages/core/src/evaluate/rules/handshake-error.ts', guard: true },
      { file: 'packages/core/src/model/session-meets.ts', guard: true },
      { file: 'packages/core/src/model/observation.ts', from: /^export function pkixValid/, guard: true },
      {
        file: 'packages/core/src/model/primitives.ts',
        from: /^const TLS_RANK/,
        to: /^export function tlsRank/,
        guard: true,
      },
      { file: 'packages/core/src/identity/rfc7817.ts', guard: true },
      { file: 'packages/core/src/lattice/strengthen.ts', guard: false },
      { file: 'packages/core/src/lattice/merge.ts', guard: false },
      { file: 'packages/core/src/lattice/pins.ts', guard: false },
      { file: 'packages/core/src/model/tags.ts', from: /^export function isKnownTag/, guard: false },
      { file: 'packages/core/src/model/status-url.ts', guard: false },
      { file: 'packages/core/src/model/registrable-domain.ts', guard: false },
    ],
    // Not purity.test.ts: it scans the source text, and Stryker's instrumented copy reads process state.
    tests: ['packages/core/src/{evaluate,identity,lattice,model,report,store,wire}/**/*.test.ts'],
  },
  {
    name: 'transport',
    targets: [
      { file: 'packages/transport/src/tripwire.ts', guard: true },
      { file: 'packages/transport/src/guard.ts', guard: true },
      { file: 'packages/transport/src/observe.ts', guard: true },
      { file: 'packages/transport/src/tls-params.ts', guard: true },
      { file: 'packages/transport/src/dane-gate.ts', guard: true },
      { file: 'packages/transport/src/evidence.ts', guard: false },
    ],
    // The in-process attack suites of each protocol drive the shared gate end to end.
    tests: [
      'packages/transport/src/*.test.ts',
      'test/imap/{pre-tls-attacks,tls-attacks,tripwire,failures,happy-path,learning,in-band,hostile-servers}.test.ts',
      'test/dane/{guarded-dane,concurrent-lookup}.test.ts',
    ],
  },
  {
    name: 'imap',
    targets: [
      { file: 'packages/imap/src/transport.ts', guard: true },
      { file: 'packages/imap/src/pre-tls-scanner.ts', guard: true },
      { file: 'packages/imap/src/guarded-client.ts', from: /override async upgradeToSTARTTLS/, guard: true },
    ],
    tests: [
      'packages/imap/src/*.test.ts',
      'test/imap/{pre-tls-attacks,tls-attacks,tripwire,hostile-servers,failures,happy-path,learning,in-band}.test.ts',
      // The TLSA wait between the handshake and the check (#15), with its deadline phase `check`.
      'test/dane/concurrent-lookup.test.ts',
    ],
  },
  {
    name: 'smtp',
    targets: [
      { file: 'packages/smtp/src/guard-step.ts', guard: true },
      { file: 'packages/smtp/src/starttls.ts', guard: true },
    ],
    tests: ['packages/smtp/src/*.test.ts', 'test/smtp/{attacks,hostile,transport,learning}.test.ts'],
  },
  {
    name: 'pop3',
    // Layout after the issue #16 item 10 regroup (see the pop3 engineer's note): the STLS enforcement,
    // gate and tripwire live in connect.ts; auth.ts checks the tripwire before each credential line.
    targets: [
      {
        file: 'packages/pop3/src/connect.ts',
        from: /^async function negotiateStls/,
        to: /^export function assertGatePassed/,
        guard: true,
      },
      {
        file: 'packages/pop3/src/auth.ts',
        from: /^function tripwire/,
        to: /^function tripwire/,
        guard: true,
      },
      { file: 'packages/pop3/src/errors.ts', from: /^export function preTlsFailure/, guard: true },
    ],
    tests: [
      'packages/pop3/src/*.test.ts',
      'test/pop3/{pre-tls-attacks,tls-attacks,tripwire,hostile,failures,happy-path,learning}.test.ts',
    ],
  },
]

/** Stryker `mutate` entries (`file` or `file:start-end`) for the chosen targets. */
export function mutateEntries(/** @type {Target[]} */ targets) {
  return targets.map((t) => {
    if (t.from === undefined && t.to === undefined) return t.file
    const { start, end } = lineRange(t)
    return `${t.file}:${start}-${end}`
  })
}

/** 1-based inclusive line range of a target; `to` names the range's last block (ends at its closing `}`). */
export function lineRange(/** @type {Target} */ t) {
  const lines = readFileSync(resolve(ROOT, t.file), 'utf8').split('\n')
  const start = t.from === undefined ? 1 : lines.findIndex((l) => t.from.test(l)) + 1
  if (start === 0) throw new Error(`mutation scope: ${t.file} has no line matching ${t.from}`)
  let end = lines.length
  if (t.to !== undefined) {
    const head = lines.findIndex((l, i) => i >= start - 1 && t.to.test(l))
    if (head === -1) throw new Error(`mutation scope: ${t.file} has no line matching ${t.to}`)
    end = lines.findIndex((l, i) => i > head && /^}/.test(l)) + 1
    if (end === 0) throw new Error(`mutation scope: ${t.file}: no closing brace after ${t.to}`)
  }
  return { start, end }
}

/**
 * The areas a run covers: every area (or only those `names`), each narrowed to its guard targets when
 * `guardOnly`. Unknown names throw, so a typo never turns into an empty, passing run.
 */
export function selectAreas(
  /** @type {{ guardOnly: boolean, names?: string[] }} */ { guardOnly, names = [] },
) {
  const unknown = names.filter((n) => !AREAS.some((a) => a.name === n))
  if (unknown.length > 0) throw new Error(`mutation scope: no area named ${unknown.join(', ')}`)
  return AREAS.filter((a) => names.length === 0 || names.includes(a.name))
    .map((a) => ({ ...a, targets: a.targets.filter((t) => t.guard || !guardOnly) }))
    .filter((a) => a.targets.length > 0)
}
