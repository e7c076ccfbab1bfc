// Registers the lead's `mua-sts demo` (commands/demo.ts) with the dispatcher, unchanged.
import type { Command } from '../command.js'
import { runDemo } from './demo.js'

export const demoCommand: Command = {
  name: 'demo',
  summary: 'show the commitment engine refusing each attack class',
  help: 'Usage: mua-sts demo\n\nShows the commitment engine refusing each attack class.',
  run: async (_argv, io) => runDemo(io.out),
}
