// One DNSSEC-aware query to the app's validating resolver: UDP first, TCP when the answer is
// truncated (RFC 7766 §5: a TC answer must be retried over TCP, never used). Does I/O.
import { randomInt } from 'node:crypto'
import { createSocket } from 'node:dgram'
import { connect } from 'node:net'
import { type DnsResponse, DnsWireError, decodeResponse, encodeQuery } from './dns-wire.js'
import type { ValidatingResolver } from './resolver.js'

export type QueryFailure = 'timeout' | 'unreachable' | 'malformed'

/** Why no usable answer came back. Internal to the lookup; callers see a `dnssec-invalid` reason. */
export class DnsQueryError extends Error {
  override readonly name = 'DnsQueryError'
  constructor(
    readonly kind: QueryFailure,
    message: string,
  ) {
    super(message)
  }
}

type Settle = (result: DnsResponse | Error) => void

/** A response is ours only with our id and our exact question; anything else is ignored. */
function ours(response: DnsResponse, id: number, name: string, type: number): boolean {
  const q = response.question
  return response.id === id && q !== undefined && q.type === type && q.class === 1 && q.name === name
}

function overUdp(
  resolver: ValidatingResolver,
  query: Uint8Array,
  accept: (r: DnsResponse) => boolean,
  settle: Settle,
) {
  const { host, port } = resolver.address
  const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4')
  socket.on('error', (e) => settle(new DnsQueryError('unreachable', `${host}:${port}: ${e.message}`)))
  socket.on('message', (message) => {
    let response: DnsResponse
    try {
      response = decodeResponse(message)
    } catch {
      return // garbage on our port is not an answer: keep waiting until the deadline
    }
    if (accept(response)) settle(response)
  })
  let closed = false
  // connect() makes the kernel drop datagrams from any other source address and port.
  socket.connect(port, host, () => {
    if (!closed) socket.send(query)
  })
  return () => {
    closed = true
    socket.close()
  }
}

function overTcp(
  resolver: ValidatingResolver,
  query: Uint8Array,
  accept: (r: DnsResponse) => boolean,
  settle: Settle,
) {
  const { host, port } = resolver.address
  const socket = connect({ host, port })
  const frame = Buffer.alloc(2 + query.length)
  frame.writeUInt16BE(query.length, 0)
  frame.set(query, 2)
  let buffered = Buffer.alloc(0)
  socket.on('connect', () => socket.write(frame))
  socket.on('error', (e) => settle(new DnsQueryError('unreachable', `${host}:${port}/tcp: ${e.message}`)))
  socket.on('close', () => settle(new DnsQueryError('malformed', 'resolver closed TCP before answering')))
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk])
    // RFC 1035 §4.2.2: two-octet length prefix. 65535 bounds what we ever buffer.
    if (buffered.length < 2 || buffered.length < 2 + buffered.readUInt16BE(0)) return
    try {
      const response = decodeResponse(buffered.subarray(2, 2 + buffered.readUInt16BE(0)))
      settle(accept(response) ? response : new DnsQueryError('malformed', 'TCP answer to another question'))
    } catch (e) {
      settle(new DnsQueryError('malformed', (e as Error).message))
    }
  })
  return () => socket.destroy()
}

/**
 * Asks `resolver` for `name`/`type` with DO and AD set. Does I/O. Resolves with the decoded response;
 * rejects with `DnsQueryError` (timeout, unreachable, malformed) or with `signal.reason` on abort.
 */
export function queryResolver(
  resolver: ValidatingResolver,
  name: string,
  type: number,
  signal?: AbortSignal,
): Promise<DnsResponse> {
  if (signal?.aborted) return Promise.reject(signal.reason)
  const id = randomInt(0, 0x10000)
  let query: Uint8Array
  try {
    query = encodeQuery(id, name, type)
  } catch (e) {
    const message = e instanceof DnsWireError ? e.message : String(e)
    return Promise.reject(new DnsQueryError('malformed', message))
  }
  const accept = (r: DnsResponse): boolean => ours(r, id, name, type)
  return new Promise<DnsResponse>((resolve, reject) => {
    let close: () => void = () => {}
    let done = false
    const finish = (result: DnsResponse | Error): void => {
      if (done) return
      done = true
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      close()
      if (result instanceof Error) reject(result)
      else resolve(result)
    }
    const onAbort = (): void => finish(signal?.reason as Error)
    const timer = setTimeout(
      () => finish(new DnsQueryError('timeout', `no answer from the resolver in ${resolver.timeoutMs} ms`)),
      resolver.timeoutMs,
    )
    signal?.addEventListener('abort', onAbort, { once: true })
    const onUdp: Settle = (result) => {
      if (done) return
      if (result instanceof Error || !result.truncated) return finish(result)
      close()
      close = overTcp(resolver, query, accept, finish)
    }
    close = overUdp(resolver, query, accept, onUdp)
  })
}
