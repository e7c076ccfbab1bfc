// One fuzz worker process (spawned by scripts/fuzz.mjs): runs `count` cases of one protocol from
// `seed` and prints one JSON line per finished batch (`progress`) and one final `result` line.
// argv: <smtp|pop3|imap> <seed> <count> <concurrency>
import { writeSync } from 'node:fs'
import { runCampaign } from './campaign.js'
import type { Protocol } from './scripts.js'

const [protocol = '', seed = '', count = '', concurrency = '16'] = process.argv.slice(2)
if (!['smtp', 'pop3', 'imap'].includes(protocol) || !/^\d+$/.test(seed) || !/^\d+$/.test(count)) {
  writeSync(2, 'usage: worker.ts <smtp|pop3|imap> <seed> <count> [concurrency]\n')
  process.exit(2)
}
const out = (o: unknown): void => {
  writeSync(1, `${JSON.stringify(o)}\n`)
}
const result = await runCampaign(
  protocol as Protocol,
  Number(seed),
  Number(count),
  Number(concurrency),
  (done) => out({ type: 'progress', protocol, seed: Number(seed), done }),
)
out({ type: 'result', ...result })
// Pooled sockets and imapflow timers of the last cases must not keep a finished worker alive.
process.exit(0)
