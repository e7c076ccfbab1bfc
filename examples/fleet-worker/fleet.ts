// The fleet demo: several worker processes (worker.ts) sync the same accounts through one Redis store.
// The mail server first teaches a latch (the MUA-STS directive tls-version=1.3, in its post-TLS ID
// response); one worker learns it. Then a network attacker routes the address to a server that only
// speaks TLS 1.2, and every other worker is refused on its next connect, before any credential is
// sent, because the latch one worker learned is in the shared store. A delivery worker then drains
// the refusal reports from the Redis stream.
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createServer, type Server, connect as tcpConnect } from 'node:net'
import { join } from 'node:path'
import { createCommitment, type Report } from '@mua-sts/core'
import { RedisCommitmentStore, RedisReportWorker } from '@mua-sts/store-redis'
import { FAKE_PASS, FAKE_USER, generatePki, startFakeImap } from '@mua-sts/testing'

export type FleetResult = {
  /** What each sync printed, in order: phase 1 (one worker, honest server), phase 2 (the others, attacker). */
  readonly syncs: Array<Record<string, unknown>>
  /** Reports the delivery worker received from the stream. */
  readonly delivered: Report[]
  /** Whether the attacker's server ever received the password. */
  readonly passwordLeaked: boolean
}

/** A TCP forwarder whose target can be switched: the "network" between the workers and the server. */
function switchableRoute(target: () => number): Promise<{ port: number; server: Server }> {
  const server = createServer((c) => {
    const upstream = tcpConnect({ host: '127.0.0.1', port: target() })
    c.pipe(upstream).pipe(c)
    c.on('error', () => upstream.destroy())
    upstream.on('error', () => c.destroy())
  })
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ port: (server.address() as { port: number }).port, server }),
    ),
  )
}

type Worker = { child: ChildProcess; send(line: string): Promise<Array<Record<string, unknown>>> }

function startWorker(name: string, env: NodeJS.ProcessEnv): Promise<Worker> {
  const child = spawn(
    process.execPath,
    ['--conditions=@mua-sts/source', '--import', 'tsx', join(import.meta.dirname, 'worker.ts')],
    {
      env: { ...env, FLEET_WORKER: name },
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  )
  let buffer = ''
  let waiter: ((lines: string[]) => void) | undefined
  const lines: string[] = []
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk
    for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n')) {
      const line = buffer.slice(0, i)
      buffer = buffer.slice(i + 1)
      if (line === 'READY' || line === 'DONE') waiter?.(lines.splice(0))
      else lines.push(line)
    }
  })
  const next = () => new Promise<string[]>((resolve) => (waiter = resolve))
  const worker: Worker = {
    child,
    async send(line) {
      const done = next()
      child.stdin?.write(`${line}\n`)
      return (await done).map((l) => JSON.parse(l) as Record<string, unknown>)
    },
  }
  return next().then(() => worker)
}

/** Runs the demo against the Redis server on 127.0.0.1:`redisPort`. Cleans up everything it started. */
export async function runFleet(
  redisPort: number,
  log: (line: string) => void = console.log,
): Promise<FleetResult> {
  const pki = await generatePki()
  const sts = 'tls-version=1.3; tls-cert=pkix'
  const honest = await startFakeImap({ mode: 'implicit', leaf: pki.good, id: { name: 'honest', sts } })
  const attacker = await startFakeImap({ mode: 'implicit', leaf: pki.good, tls: { maxVersion: 'TLSv1.2' } })
  let target = honest.port
  const route = await switchableRoute(() => target)
  const hmacKey = randomBytes(32) // in production: from the secret manager, the same for every worker
  const connection = { host: '127.0.0.1', port: redisPort }
  const accounts = ['acct_alice', 'acct_bob']
  const setup = await RedisCommitmentStore.open({ connection, hmacKey })
  for (const account of accounts) {
    const c = createCommitment({
      ...{ account, service: 'imap', host: '127.0.0.1', port: route.port, transport: 'implicit-tls' },
      ...{ source: 'setup', now: new Date().toISOString() },
    })
    await setup.strengthen(c)
  }
  await setup.close()
  const env = {
    ...process.env,
    ...{ FLEET_REDIS_PORT: String(redisPort), FLEET_HMAC_KEY: hmacKey.toString('hex'), FLEET_CA: pki.caCert },
    ...{ FLEET_USER: FAKE_USER, FLEET_PASS: FAKE_PASS },
  }
  const workers = await Promise.all(['w1', 'w2', 'w3'].map((n) => startWorker(n, env)))
  const syncs: Array<Record<string, unknown>> = []
  const delivered: Report[] = []
  try {
    syncs.push(...(await workers[0]!.send(`sync ${accounts.join(' ')}`)))
    log(`phase 1: w1 synced ${accounts.join(', ')} and learned ${sts}`)
    target = attacker.port
    for (const w of workers.slice(1)) syncs.push(...(await w.send(`sync ${accounts.join(' ')}`)))
    for (const s of syncs) log(JSON.stringify(s))
    const delivery = new RedisReportWorker({
      connection,
      consumer: `delivery-${process.pid}`,
      blockMs: 0,
      deliver: async (batch) => void delivered.push(...batch),
    })
    while ((await delivery.runOnce()).delivered > 0);
    await delivery.close()
    log(`delivered ${delivered.length} report(s) from the stream`)
  } finally {
    for (const w of workers) w.child.stdin?.end('exit\n')
    await Promise.all(
      workers.map((w) => new Promise((r) => (w.child.exitCode !== null ? r(null) : w.child.once('exit', r)))),
    )
    route.server.close()
    await Promise.all([honest.close(), attacker.close()])
  }
  return { syncs, delivered, passwordLeaked: attacker.sawBytes(FAKE_PASS) }
}
