// The version `mua-sts --version` prints. Kept as a constant because the CLI is bundled to ESM and CJS
// (scripts/build.mjs), where no one path to package.json works for both; version.test.ts fails the
// build the moment it drifts from package.json.
export const VERSION = '0.1.0'
