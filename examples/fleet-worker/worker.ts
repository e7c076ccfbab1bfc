// One worker process of a sync fleet: opens guarded IMAP sessions for the accounts it is told to sync,
// with the commitments in Redis (shared by every worker) and failure reports to the fleet's stream.
// Reads commands on stdin ("sync <account>…" or "exit") and prints one JSON line per account, then
// "DONE". In a real service the HMAC key comes from the secret manager and the password from the
// account database; here they come from the environment the demo (main.ts) sets.
//
// env: FLEET_WORKER (name), FLEET_REDIS_PORT, FLEET_HMAC_KEY (hex), FLEET_CA (PEM), FLEET_USER, FLEET_PASS
import { createInterface } from 'node:readline'
import { CommitmentViolationError, isSdkError } from '@mua-sts/core'
import { connectImap } from '@mua-sts/imap'
import { ReportDispatcher } from '@mua-sts/reports'
import { RedisCommitmentStore, RedisReportStream } from '@mua-sts/store-redis'

const env = (name: string): string => {
  const v = process.env[name]
  if (v === undefined || v === '') throw new Error(`set ${name}`)
  return v
}
const name = env('FLEET_WORKER')
const connection = { host: '127.0.0.1', port: Number(env('FLEET_REDIS_PORT')) }
const store = await RedisCommitmentStore.open({
  connection,
  hmacKey: Buffer.from(env('FLEET_HMAC_KEY'), 'hex'),
})
const stream = new RedisReportStream({ connection })
const reports = new ReportDispatcher([stream])

/** One sync: connect through the guard, open INBOX, log out. Never throws. */
async function sync(account: string): Promise<Record<string, unknown>> {
  try {
    const client = await connectImap({
      account,
      store,
      reports,
      trust: { ca: env('FLEET_CA') },
      auth: { user: env('FLEET_USER'), pass: env('FLEET_PASS') },
    })
    await client.mailboxOpen('INBOX', { readOnly: true })
    const { latches, directives } = client.commitment
    await client.logout()
    return { worker: name, account, ok: true, latches, directives }
  } catch (error) {
    const violations =
      error instanceof CommitmentViolationError ? error.report.violations.map((v) => v.code) : []
    return {
      worker: name,
      account,
      ok: false,
      code: isSdkError(error) ? error.code : String(error),
      violations,
    }
  }
}

process.stdout.write('READY\n')
for await (const line of createInterface({ input: process.stdin })) {
  const [command, ...accounts] = line.trim().split(/\s+/)
  if (command === 'exit') break
  if (command !== 'sync') continue
  for (const account of accounts) process.stdout.write(`${JSON.stringify(await sync(account))}\n`)
  await stream.whenIdle() // reports of this round are in Redis before we say DONE
  process.stdout.write('DONE\n')
}
await stream.close()
await store.close()
