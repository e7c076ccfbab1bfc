#!/usr/bin/env node
// Mutation testing of the guards (issue #16 item 8): proves from the outside that every guard line is
// load-bearing, instead of switches in shipped code that turn a guard off "for tests".
//
//   node scripts/mutation.mjs            every area in test/mutation/scope.mjs (the full run)
//   node scripts/mutation.mjs --ci       only the guard targets (CI runs `--ci --area core,smtp`)
//   node scripts/mutation.mjs --area core,smtp   only those areas (with or without --ci)
//   node scripts/mutation.mjs --report   re-read the last report without running Stryker
//   any other argument is passed to `stryker run` (e.g. --force to ignore the incremental file)
//
// Stryker's own exit code only says whether it ran. This script then reads its JSON report and fails
// (exit 1) when a mutant in guard code survived or had no covering test, unless that mutant is listed as
// equivalent in test/mutation/equivalent-mutants.json, and when an allowlist entry no longer matches any
// mutant (so the list cannot silently outlive the code it excuses).
import { spawnSync } from 'node:child_process'
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, isAbsolute, join, relative, resolve } from 'node:path'
import { AREAS, lineRange, ROOT, selectAreas } from '../test/mutation/scope.mjs'

const REPORT = join(ROOT, '.tmp/mutation/mutation.json')
const SUMMARY = join(ROOT, '.tmp/mutation/summary.json')
const ALLOWLIST = join(ROOT, 'test/mutation/equivalent-mutants.json')
const STRYKER_CONFIG = 'test/mutation/stryker.config.mjs'
// Stryker statuses that count towards the score; CompileError, RuntimeError and Ignored are not valid mutants.
const BUCKETS = { Killed: 'killed', Timeout: 'timeout', Survived: 'survived', NoCoverage: 'noCoverage' }

const args = process.argv.slice(2)
const guardOnly = args.includes('--ci')
const reportOnly = args.includes('--report')
const areaAt = args.indexOf('--area')
const areaNames = areaAt === -1 ? [] : (args[areaAt + 1] ?? '').split(',').filter((n) => n !== '')
if (areaAt !== -1 && areaNames.length === 0) fail('--area needs a comma-separated list of area names')
selectAreas({ guardOnly, names: areaNames }) // throws on an unknown area name before anything runs
const passthrough = args.filter(
  (a, i) => a !== '--ci' && a !== '--report' && i !== areaAt && i !== areaAt + 1,
)

// One Stryker run per area: a static mutant (module-level code) runs every test of its run, so keeping
// each run to its own area's tests keeps a pre-TLS regex in imap from running the SMTP and POP3 suites.
const areas = selectAreas({ guardOnly, names: areaNames }).map((a) => a.name)
const started = Date.now()
if (!reportOnly) for (const area of areas) runStryker(area)
const seconds = Math.round((Date.now() - started) / 1000)
const files = {}
for (const area of areas) {
  const report = areaReport(area)
  if (!existsSync(report))
    fail(`no report for area ${area} at ${relative(ROOT, report)}; run without --report`)
  Object.assign(files, JSON.parse(readFileSync(report, 'utf8')).files)
}
const summary = analyse({ files }, loadAllowlist())
summary.scope = `${guardOnly ? 'guard' : 'full'}${areaNames.length > 0 ? `: ${areaNames.join(', ')}` : ''}`
if (!reportOnly) summary.seconds = seconds
mkdirSync(dirname(SUMMARY), { recursive: true })
writeFileSync(SUMMARY, `${JSON.stringify(summary, null, 2)}\n`)
print(summary)
process.exit(summary.failures.length === 0 ? 0 : 1)

function areaReport(area) {
  return join(dirname(REPORT), `${area}.json`)
}

function runStryker(area) {
  const bin = join(ROOT, 'node_modules/.bin/stryker')
  // Stryker ends its test-runner processes without running vitest's global teardown, so the run's temp
  // root (test/support/temp-root.ts) and what tests left in it would stay in /tmp. Everything the runners
  // create goes under this directory instead, removed once Stryker has exited, whatever its status.
  const tmp = mkdtempSync(join(tmpdir(), 'mua-sts-mutation-'))
  chmodSync(tmp, 0o711) // search-only, like the temp root below it: Dovecot's users must traverse it
  const env = {
    ...process.env,
    TMPDIR: tmp,
    MUA_STS_MUTATION_SCOPE: guardOnly ? 'guard' : 'full',
    MUA_STS_MUTATION_AREAS: area,
  }
  console.log(`\n=== mutation testing: ${area} (${guardOnly ? 'guard code' : 'full'}) ===`)
  rmSync(REPORT, { force: true })
  rmSync(areaReport(area), { force: true })
  let result
  try {
    result = spawnSync(bin, ['run', STRYKER_CONFIG, ...passthrough], { cwd: ROOT, env, stdio: 'inherit' })
  } finally {
    rmSync(tmp, { recursive: true, force: true })
  }
  if (result.error !== undefined) fail(`could not start Stryker: ${result.error.message}`)
  // A failed dry run (a test that fails without any mutant) leaves no fresh report: never score a stale one.
  if (result.status !== 0)
    fail(`Stryker exited with ${result.status ?? result.signal} for ${area}; no mutation score`)
  if (!existsSync(REPORT)) fail(`Stryker wrote no report at ${relative(ROOT, REPORT)}`)
  renameSync(REPORT, areaReport(area))
}

/**
 * `line`, when given, is text the mutant's source line must contain: it tells apart two equal snippets
 * in one file without naming a line number.
 * @typedef {{ file: string, mutator: string, original: string, replacement?: string, line?: string, why: string }} Equivalent
 * @returns {Equivalent[]}
 */
function loadAllowlist() {
  const entries = JSON.parse(readFileSync(ALLOWLIST, 'utf8'))
  if (!Array.isArray(entries)) fail(`${relative(ROOT, ALLOWLIST)} must be a JSON array`)
  for (const [i, e] of entries.entries()) {
    for (const key of ['file', 'mutator', 'original', 'why']) {
      if (typeof e?.[key] !== 'string' || e[key].trim() === '')
        fail(`${relative(ROOT, ALLOWLIST)}[${i}]: "${key}" must be a non-empty string`)
    }
  }
  return entries
}

/** Scores each area and lists the guard mutants that no test noticed. */
function analyse(report, allowlist) {
  const used = new Set()
  const areas = AREAS.map((a) => ({
    name: a.name,
    mutants: 0,
    killed: 0,
    timeout: 0,
    survived: 0,
    noCoverage: 0,
  }))
  const failures = []
  const guards = selectAreas({ guardOnly: true }).flatMap((a) =>
    a.targets.map((t) => ({ area: a.name, file: t.file, ...lineRange(t) })),
  )
  for (const [key, entry] of Object.entries(report.files)) {
    const file = relative(ROOT, isAbsolute(key) ? key : resolve(ROOT, key))
    const areaName = AREAS.find((a) => a.targets.some((t) => t.file === file))?.name
    if (areaName === undefined) fail(`report names ${file}, which no area in test/mutation/scope.mjs mutates`)
    const tally = areas.find((a) => a.name === areaName)
    const lines = entry.source.split('\n')
    for (const m of entry.mutants) {
      const bucket = BUCKETS[m.status]
      if (bucket === undefined) continue
      tally.mutants++
      tally[bucket]++
      if (bucket !== 'survived' && bucket !== 'noCoverage') continue
      const line = m.location.start.line
      if (!guards.some((g) => g.file === file && line >= g.start && line <= g.end)) continue
      const original = snippet(lines, m.location)
      const excused = allowlist.findIndex(
        (e) =>
          e.file === file &&
          e.mutator === m.mutatorName &&
          squash(e.original) === squash(original) &&
          (e.replacement === undefined || squash(e.replacement) === squash(m.replacement ?? '')) &&
          (e.line === undefined || squash(lines[line - 1] ?? '').includes(squash(e.line))),
      )
      if (excused !== -1) {
        used.add(excused)
        continue
      }
      failures.push(
        `${m.status}: ${file}:${line} ${m.mutatorName}: \`${clip(original)}\` -> \`${clip(m.replacement ?? '')}\``,
      )
    }
  }
  for (const [i, e] of allowlist.entries()) {
    if (used.has(i)) continue
    // Only a run that mutated the entry's file can prove the entry stale.
    if (report.files[e.file] !== undefined || Object.keys(report.files).some((k) => k.endsWith(e.file)))
      failures.push(`stale allowlist entry ${i} (${e.file} ${e.mutator} \`${e.original}\`): no such survivor`)
  }
  for (const a of areas) {
    const detected = a.killed + a.timeout
    a.score = a.mutants === 0 ? null : Math.round((detected / a.mutants) * 10_000) / 100
  }
  return { areas: areas.filter((a) => a.mutants > 0), failures, equivalents: used.size }
}

function snippet(lines, { start, end }) {
  if (start.line === end.line) return lines[start.line - 1].slice(start.column - 1, end.column - 1)
  const first = lines[start.line - 1].slice(start.column - 1)
  const middle = lines.slice(start.line, end.line - 1)
  const last = lines[end.line - 1].slice(0, end.column - 1)
  return [first, ...middle, last].join('\n')
}

function squash(code) {
  return code.replace(/\s+/g, ' ').trim()
}

function clip(code) {
  const s = squash(code)
  return s.length > 90 ? `${s.slice(0, 87)}...` : s
}

function print(s) {
  const rows = s.areas.map(
    (a) =>
      `| ${a.name.padEnd(9)} | ${String(a.mutants).padStart(7)} | ${String(a.killed + a.timeout).padStart(8)} | ${String(a.survived).padStart(8)} | ${String(a.noCoverage).padStart(11)} | ${String(a.score).padStart(6)} |`,
  )
  console.log(`\nmutation score (${s.scope} scope${s.seconds === undefined ? '' : `, ${s.seconds} s`})`)
  console.log('| area      | mutants | detected | survived | no coverage |  score |')
  console.log('|-----------|---------|----------|----------|-------------|--------|')
  for (const r of rows) console.log(r)
  console.log(`equivalent mutants excused by ${relative(ROOT, ALLOWLIST)}: ${s.equivalents}`)
  if (s.failures.length === 0) {
    console.log('guard code: every mutant was detected')
    return
  }
  console.error(`\nguard code: ${s.failures.length} mutant(s) no test noticed:`)
  for (const f of s.failures) console.error(`  ${f}`)
  console.error('Kill each with a test of real behaviour, or list a true equivalent in the allowlist.')
}

function fail(message) {
  console.error(`mutation: ${message}`)
  process.exit(1)
}
