#!/usr/bin/env node
// mua-sts command-line entry point: one file per command under commands/, dispatched by main.ts.
// No top-level await, so the CJS build of this file works too.
import { main } from './main.js'

void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code
})
