// The vitest config Stryker runs inside its sandbox (a copy of the repo under .stryker-tmp/).
// Why not the root config: the workspace links node_modules/@mua-sts/* -> ../../../<pkg>, and Stryker
// symlinks node_modules into the sandbox, so a cross-package import would resolve to the ORIGINAL,
// unmutated source. The aliases below pin every @mua-sts/* import to the sandbox's own copy, so a
// mutant in transport is also exercised by the imap/smtp/pop3 guard tests that import it.
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'
// @ts-expect-error plain ESM shared with stryker.config.mjs and scripts/mutation.mjs, no declarations
import { selectAreas } from './scope.mjs'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
// The same choice stryker.config.mjs made: scripts/mutation.mjs passes it in the environment.
const areas: { tests: string[] }[] = selectAreas({
  guardOnly: process.env['MUA_STS_MUTATION_SCOPE'] === 'guard',
  names: (process.env['MUA_STS_MUTATION_AREAS'] ?? '').split(',').filter((n) => n !== ''),
})

/** One exact-match alias per `@mua-sts/<pkg>[/<subpath>]` export, pointing at its `@mua-sts/source` file. */
function workspaceAliases(): { find: RegExp; replacement: string }[] {
  const aliases: { find: RegExp; replacement: string }[] = []
  for (const dir of readdirSync(join(root, 'packages'))) {
    const manifest = JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8')) as {
      name: string
      exports?: Record<string, { '@mua-sts/source'?: string } | string>
    }
    for (const [subpath, target] of Object.entries(manifest.exports ?? {})) {
      const source = typeof target === 'string' ? undefined : target['@mua-sts/source']
      if (source === undefined) continue
      const specifier = subpath === '.' ? manifest.name : `${manifest.name}/${subpath.slice(2)}`
      aliases.push({
        find: new RegExp(`^${specifier.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`),
        replacement: join(root, 'packages', dir, source),
      })
    }
  }
  return aliases
}

export default defineConfig({
  root,
  resolve: { conditions: ['@mua-sts/source'], alias: workspaceAliases() },
  ssr: { resolve: { conditions: ['@mua-sts/source'] } },
  test: {
    include: [...new Set(areas.flatMap((a) => a.tests))],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    globalSetup: [join(root, 'test/support/temp-root.ts')],
  },
})
