// Real Redis servers for the fleet tests: each instance is a `redis-server` child on 127.0.0.1 with
// its own port and temp directory, stopped (and its directory removed) by `stop()`. A process-exit hook
// kills any instance a failing test left behind. CI installs `redis-server` (Debian); there the suites
// throw instead of skipping when it is missing (test/support/availability.ts).
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { requireOrSkip } from '../support/availability.js'
import { freePorts } from '../support/ports.js'

const live = new Set<ChildProcess>()
process.on('exit', () => {
  for (const p of live) p.kill('SIGKILL')
})

/** True when redis-server and redis-cli can run here. */
export function redisAvailable(): boolean {
  const ok = (bin: string) => spawnSync(bin, ['--version'], { stdio: 'ignore' }).status === 0
  return ok('redis-server') && ok('redis-cli')
}

/** For `describe.skipIf(!needRedis())`: skips outside CI without Redis, throws in CI. */
export function needRedis(): boolean {
  return requireOrSkip(redisAvailable(), 'redis-server (apt-get install redis-server)')
}

export type RedisInstance = {
  readonly port: number
  readonly dir: string
  /** Runs redis-cli against this instance; returns stdout. */
  cli(...args: string[]): string
  /** SIGKILL (no shutdown, no final fsync) and wait for the exit. */
  kill9(): Promise<void>
  /** Starts the server again on the same port and directory (AOF is replayed). */
  restart(): Promise<void>
  /** Sends a signal (SIGSTOP / SIGCONT: a hung server that keeps its sockets open). */
  signal(sig: NodeJS.Signals): void
  /** Stops the server if running and removes its directory. */
  stop(): Promise<void>
}

export type RedisStartOptions = {
  /** AOF with `appendfsync always` (every acknowledged write is on disk). */
  readonly aof?: boolean
  readonly extra?: readonly string[]
  readonly port?: number
  readonly dir?: string
}

async function waitForPing(port: number, proc: ChildProcess, deadlineMs = 15_000): Promise<void> {
  const end = Date.now() + deadlineMs
  while (Date.now() < end) {
    if (proc.exitCode !== null || proc.signalCode !== null) throw new PortTaken(port)
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ host: '127.0.0.1', port }, () => s.write('PING\r\n'))
      s.setTimeout(1000, () => s.destroy())
      s.once('data', (d) => {
        s.destroy()
        resolve(d.toString().startsWith('+PONG'))
      })
      s.once('error', () => resolve(false))
      s.once('close', () => resolve(false))
    })
    if (ok) return
    await sleep(50)
  }
  throw new Error(`redis-server on port ${port} did not answer PING within ${deadlineMs} ms`)
}

/** The server exited while starting: its port (or cluster bus port) was taken meanwhile. */
class PortTaken extends Error {
  constructor(port: number) {
    super(`redis-server on port ${port} exited while starting (port taken?)`)
  }
}

function exited(p: ChildProcess): Promise<void> {
  return p.exitCode !== null || p.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => p.once('exit', () => resolve()))
}

/**
 * Starts one redis-server; resolves once it answers PING. A free port can be taken by another process
 * before the server binds it (test/support/ports.ts), so a start that fails that way is retried on
 * fresh ports (`ports` picks them; the default takes one free port).
 */
export async function startRedis(
  o: RedisStartOptions = {},
  ports: () => Promise<{ port: number; extra?: string[] }> = async () => ({ port: (await freePorts(1))[0]! }),
): Promise<RedisInstance> {
  for (let attempt = 1; ; attempt++) {
    const picked = o.port === undefined ? await ports() : { port: o.port }
    try {
      return await startOn(picked.port, { ...o, extra: [...(o.extra ?? []), ...(picked.extra ?? [])] })
    } catch (error) {
      if (!(error instanceof PortTaken) || o.port !== undefined || attempt >= 5) throw error
    }
  }
}

async function startOn(port: number, o: RedisStartOptions): Promise<RedisInstance> {
  const owned = o.dir === undefined
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), 'mua-sts-redis-'))
  const args = [
    ...['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', ''],
    ...['--appendonly', o.aof ? 'yes' : 'no', '--appendfsync', 'always', '--loglevel', 'warning'],
    ...['--logfile', join(dir, 'redis.log')],
    ...(o.extra ?? []),
  ]
  let proc: ChildProcess
  const launch = async () => {
    proc = spawn('redis-server', args, { stdio: 'ignore' })
    live.add(proc)
    proc.once('exit', () => live.delete(proc))
    await waitForPing(port, proc)
  }
  try {
    await launch()
  } catch (error) {
    proc!.kill('SIGKILL')
    if (owned) rmSync(dir, { recursive: true, force: true })
    throw error
  }
  return {
    port,
    dir,
    cli: (...a) =>
      execFileSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...a], { encoding: 'utf8' }).trim(),
    async kill9() {
      proc.kill('SIGKILL')
      await exited(proc)
    },
    restart: launch,
    signal: (sig) => void proc.kill(sig),
    async stop() {
      proc.kill('SIGCONT')
      proc.kill('SIGKILL')
      await exited(proc)
      if (owned) rmSync(dir, { recursive: true, force: true })
    },
  }
}

export type RedisClusterHandle = {
  readonly nodes: readonly RedisInstance[]
  /** Seed nodes for ioredis. */
  readonly seeds: Array<{ host: string; port: number }>
  /** The instance serving `key`'s slot as master. */
  masterOf(key: string): RedisInstance
  /** Waits until every live node reports cluster_state:ok and `port` is a master (after a failover). */
  waitHealthy(promoted?: number): Promise<void>
  stop(): Promise<void>
}

/**
 * A local Redis Cluster: `masters` masters with `replicasPerMaster` replicas each, AOF on, fast failure
 * detection (cluster-node-timeout 1000 ms) so a killed master's replica takes over within seconds.
 */
export async function startCluster(masters = 3, replicasPerMaster = 1): Promise<RedisClusterHandle> {
  const count = masters * (1 + replicasPerMaster)
  const nodes: RedisInstance[] = []
  const extra = [
    '--cluster-enabled',
    'yes',
    '--cluster-node-timeout',
    '1000',
    '--cluster-config-file',
    'nodes.conf',
  ]
  // The cluster bus port is picked explicitly too (default: port + 10000, which may be taken).
  const pair = async () => {
    const [port, bus] = await freePorts(2)
    return { port: port!, extra: ['--cluster-port', String(bus)] }
  }
  try {
    for (let i = 0; i < count; i++) nodes.push(await startRedis({ aof: true, extra }, pair))
    execFileSync(
      'redis-cli',
      [
        ...['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`)],
        ...['--cluster-replicas', String(replicasPerMaster), '--cluster-yes'],
      ],
      { stdio: 'ignore' },
    )
  } catch (error) {
    await Promise.all(nodes.map((n) => n.stop()))
    throw error
  }
  const dead = new Set<number>()
  const handle: RedisClusterHandle = {
    nodes,
    seeds: nodes.map((n) => ({ host: '127.0.0.1', port: n.port })),
    masterOf(key) {
      const any = nodes.find((n) => !dead.has(n.port)) as RedisInstance
      const slot = Number(any.cli('CLUSTER', 'KEYSLOT', key))
      for (const n of nodes) {
        if (dead.has(n.port)) continue
        const role = n.cli('ROLE').split('\n')[0]
        if (role !== 'master') continue
        const slots = n.cli('CLUSTER', 'MYID')
        const ranges = n
          .cli('CLUSTER', 'NODES')
          .split('\n')
          .find((l) => l.startsWith(slots))
          ?.split(' ')
          .slice(8)
        for (const r of ranges ?? []) {
          const [lo, hi] = r.split('-').map(Number)
          if (lo !== undefined && slot >= lo && slot <= (hi ?? lo)) return n
        }
      }
      throw new Error(`no live master serves slot ${slot}`)
    },
    async waitHealthy(promoted) {
      const end = Date.now() + 30_000
      while (Date.now() < end) {
        const live = nodes.filter((n) => !dead.has(n.port))
        const ok = live.every((n) => {
          try {
            return n.cli('CLUSTER', 'INFO').includes('cluster_state:ok')
          } catch {
            return false
          }
        })
        const roleOk =
          promoted === undefined ||
          nodes
            .find((n) => n.port === promoted)
            ?.cli('ROLE')
            .startsWith('master')
        // Replicas of live masters must have finished their sync, or WAIT cannot be satisfied.
        const synced = live.every((n) => {
          const role = n.cli('ROLE').split('\n')
          return role[0] !== 'slave' || dead.has(Number(role[2])) || role[3] === 'connected'
        })
        if (ok && roleOk && synced) return
        await sleep(200)
      }
      throw new Error('the cluster did not become healthy within 30 s')
    },
    async stop() {
      await Promise.all(nodes.map((n) => n.stop()))
    },
  }
  const kill9 = nodes.map((n) => n.kill9)
  nodes.forEach((n, i) => {
    ;(n as { kill9: () => Promise<void> }).kill9 = async () => {
      dead.add(n.port)
      await kill9[i]!()
    }
  })
  await handle.waitHealthy()
  return handle
}
