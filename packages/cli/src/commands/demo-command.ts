// `mua-sts demo [--json <file>]`: registers the demo (commands/demo.ts) with the dispatcher.
import { z } from 'zod'
import { parseCommand } from '../args.js'
import type { Command } from '../command.js'
import { runDemo } from './demo.js'

const HELP = `Usage: mua-sts demo [--json <file>]

Starts embedded IMAP, POP3 and submission servers on 127.0.0.1 with a CA generated on the spot, sets up
alice@example.test (discover, probe, propose, confirm, pin), uses all three protocols through the guards,
then plays an on-path attacker against each protocol and shows that every attack is refused before
credentials and reported.

Options:
  --json <file>   Also write every attack outcome with its full JSON reports to <file>.
  -h, --help      Show this help.

Exit codes: 0 every attack was refused and reported; 1 something did not behave.`

const ArgsSchema = z.strictObject({
  json: z.string().min(1).optional(),
  positionals: z.array(z.string()).max(0, 'demo takes no arguments'),
})

export const demoCommand: Command = {
  name: 'demo',
  summary: 'run the full demo on embedded servers (attacks refused before credentials)',
  help: HELP,
  run: async (argv, io) => {
    const args = parseCommand(argv, { json: { type: 'string' } }, ArgsSchema, 'mua-sts demo --help')
    return runDemo(io.out, { json: args.json })
  },
}
