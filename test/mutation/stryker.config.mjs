// @ts-check
// StrykerJS over the guards (issue #16 item 8). Run it through `node scripts/mutation.mjs`, which also
// fails the run on any surviving guard mutant. The script passes its choices in the environment:
// MUA_STS_MUTATION_SCOPE=guard narrows the run to guard code, MUA_STS_MUTATION_AREAS=core,smtp to areas.
import { mutateEntries, selectAreas } from './scope.mjs'

const guardOnly = process.env.MUA_STS_MUTATION_SCOPE === 'guard'
const names = (process.env.MUA_STS_MUTATION_AREAS ?? '').split(',').filter((n) => n !== '')
const areas = selectAreas({ guardOnly, names })

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  // pnpm keeps the runner out of @stryker-mutator/core's own node_modules, so name it by path.
  plugins: [import.meta.resolve('@stryker-mutator/vitest-runner')],
  testRunner: 'vitest',
  // The tests each area runs are chosen in that vitest config (from the same environment), not with
  // Stryker's `testFiles`: with `testFiles`, Stryker 9.6.1 activates static mutants after their module
  // was loaded and reports them Survived though tests kill them (stryker-js issue #6144).
  vitest: { configFile: 'test/mutation/vitest.config.ts', related: false },
  coverageAnalysis: 'perTest',
  mutate: areas.flatMap((a) => mutateEntries(a.targets)),
  // Two cores, shared with other work: one runner per core, and generous timeouts so a loaded machine
  // reads as slow, not as a mutant that hangs.
  concurrency: 2,
  timeoutMS: 20_000,
  timeoutFactor: 3,
  dryRunTimeoutMinutes: 15,
  incremental: true,
  // One incremental file per area (scripts/mutation.mjs runs one area at a time); Stryker keys results by
  // mutant and test, so a guard-only run reuses what a full run of the same area learned, and the reverse.
  incrementalFile: `.tmp/mutation/incremental/${names.length > 0 ? names.join('+') : 'all'}.json`,
  reporters: ['clear-text', 'progress-append-only', 'json'],
  jsonReporter: { fileName: '.tmp/mutation/mutation.json' },
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true },
  tempDirName: '.tmp/stryker',
  cleanTempDir: 'always',
  // Copy only what the tests load: an allow-list, because other work in the tree (builds writing dist/,
  // scratch files) comes and goes while the sandbox is being copied.
  ignorePatterns: [
    '/*',
    '!/packages',
    '!/test',
    '!/package.json',
    '!/tsconfig.json',
    '!/tsconfig.base.json',
    '/packages/*/*',
    '!/packages/*/src',
    '!/packages/*/package.json',
    '/test/docs',
  ],
}
