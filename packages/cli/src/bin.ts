#!/usr/bin/env node
// mua-sts command-line entry point: one file per command under commands/.
import { runDemo } from './commands/demo.js'

const [command] = process.argv.slice(2)
if (command === 'demo') process.exitCode = runDemo()
else {
  console.error('usage: mua-sts demo')
  process.exitCode = 2
}
