#!/usr/bin/env node
// `npm run build` (through scripts/run.mjs, which bootstraps pnpm and installs first): builds every
// publishable package into its dist/, in dependency order, two at a time.
import { buildPackages } from './lib/workspace-packages.mjs'

try {
  await buildPackages()
  console.log('build: all packages built')
} catch (error) {
  console.error(`mua-sts: ${error.message}`)
  process.exit(1)
}
