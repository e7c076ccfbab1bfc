// One place that turns validated connection options into an ioredis client with the settings a
// fail-closed store needs. ioredis's defaults queue commands while disconnected and retry them up to 20
// times, so a guard's `get` against a dead Redis would hang instead of failing; here a command on a
// connection that is not ready fails at once, and every command has a deadline (integration notes §6.5).
import { Cluster, Redis, type Result } from 'ioredis'
import * as z from 'zod'
import { io } from '../store-errors.js'

const NodeSchema = z.strictObject({
  host: z.string().min(1).max(255),
  port: z.number().int().min(1).max(65535),
})

const TlsSchema = z.strictObject({
  ca: z.string().min(1).optional(),
  servername: z.string().min(1).max(255).optional(),
})

const AuthShape = {
  username: z.string().min(1).max(256).optional(),
  password: z.string().min(1).max(4096).optional(),
  /** TLS to Redis (rediss://). Certificate checks stay on; only the trust anchor is configurable. */
  tls: TlsSchema.optional(),
  /** Bound on one command, including the wait for a (re)connection. */
  commandTimeoutMs: z.number().int().min(50).max(60_000).default(2000),
}

/** Where Redis is: one server (or a primary), or the seed nodes of a Redis Cluster. */
export const RedisConnectionSchema = z.union([
  z.strictObject({ ...NodeSchema.shape, db: z.number().int().min(0).max(15).optional(), ...AuthShape }),
  z.strictObject({ cluster: z.array(NodeSchema).min(1).max(64), ...AuthShape }),
])
/** Input form of {@link RedisConnectionSchema}. */
export type RedisConnection = z.input<typeof RedisConnectionSchema>
type Parsed = z.output<typeof RedisConnectionSchema>

/** An ioredis client (single server or cluster). */
export type RedisClient = Redis | Cluster

// KEYS[1] record, KEYS[2] its audit stream (same hash slot). ARGV[1] the value the writer read ('' for
// none), ARGV[2] the new value, ARGV[3] an audit entry or ''. Compares, then writes both atomically: the
// join itself stays in TypeScript (core `joinOnto`), Lua only refuses a write based on a stale read.
const CAS_SCRIPT = `
local cur = redis.call('GET', KEYS[1])
if (cur or '') ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
if ARGV[3] ~= '' then redis.call('XADD', KEYS[2], '*', 'entry', ARGV[3]) end
return 1
`

declare module 'ioredis' {
  interface RedisCommander<Context> {
    muastsCas(
      record: string,
      audit: string,
      expected: string,
      next: string,
      entry: string,
    ): Result<number, Context>
  }
}

/**
 * Creates a client (connecting in the background) with the fail-fast settings. Does no I/O itself.
 * `blockingMs` extends the per-command timeout for commands that block by design (WAIT, XREADGROUP).
 */
export function createClient(options: Parsed, name: string, blockingMs = 0): RedisClient {
  const tls = options.tls === undefined ? undefined : { ...options.tls, rejectUnauthorized: true }
  const common = {
    connectionName: name,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: options.commandTimeoutMs + blockingMs,
    connectTimeout: options.commandTimeoutMs,
    ...(options.username === undefined ? {} : { username: options.username }),
    ...(options.password === undefined ? {} : { password: options.password }),
    ...(tls === undefined ? {} : { tls }),
  }
  const client =
    'cluster' in options
      ? new Cluster(options.cluster, {
          enableOfflineQueue: false,
          redisOptions: common,
          slotsRefreshTimeout: options.commandTimeoutMs,
          // A failover moves slots; refresh the map promptly instead of waiting for MOVED storms.
          retryDelayOnFailover: 100,
          retryDelayOnClusterDown: 100,
        })
      : new Redis({
          ...common,
          host: options.host,
          port: options.port,
          ...(options.db === undefined ? {} : { db: options.db }),
          // Reconnect forever in the background, but never queue commands meanwhile (see above).
          retryStrategy: (times: number) => Math.min(50 * times, 1000),
        })
  client.defineCommand('muastsCas', { numberOfKeys: 2, lua: CAS_SCRIPT })
  // Connection errors surface as coded errors on the command that hits them; an unhandled 'error'
  // event would crash the process.
  client.on('error', () => {})
  return client
}

/**
 * Resolves once `client` is ready, or rejects with MUASTS_ERR_STORE_IO after `timeoutMs`. Used before
 * every operation: a command sent while reconnecting fails fast (no offline queue), so waiting for the
 * connection is bounded here instead.
 */
export async function whenReady(client: RedisClient, timeoutMs: number, operation: string): Promise<void> {
  if (client.status === 'ready') return
  if (client.status === 'wait') client.connect().catch(() => {})
  if (client.status === 'end') throw io(operation, new Error('the connection was closed'))
  await new Promise<void>((resolve, reject) => {
    const done = (error?: Error) => {
      clearTimeout(timer)
      client.off('ready', onReady)
      client.off('end', onEnd)
      if (error === undefined) resolve()
      else reject(io(operation, error))
    }
    const onReady = () => done()
    const onEnd = () => done(new Error('the connection was closed'))
    const timer = setTimeout(
      () => done(new Error(`Redis not reachable within ${timeoutMs} ms (status ${client.status})`)),
      timeoutMs,
    )
    client.once('ready', onReady)
    client.once('end', onEnd)
  })
}

/** Runs one Redis round trip; any failure (network, timeout, server error) becomes MUASTS_ERR_STORE_IO. */
export async function roundTrip<T>(
  client: RedisClient,
  timeoutMs: number,
  operation: string,
  work: () => Promise<T>,
): Promise<T> {
  await whenReady(client, timeoutMs, operation)
  try {
    return await work()
  } catch (error) {
    throw io(operation, error)
  }
}

/** The master nodes to SCAN (one for a single server). */
export function scanTargets(client: RedisClient): Redis[] {
  return client instanceof Cluster ? client.nodes('master') : [client]
}
