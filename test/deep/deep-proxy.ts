// A small TLS-terminating test proxy in front of a real server's implicit-TLS port (Dovecot's pop3s or
// submissions), for DEEP interop where the server itself cannot advertise DEEP (issue #14 item 8):
// - it presents its own leaf (so a test can present an expired or re-keyed certificate),
// - it adds `DEEP <status>` (and/or -05 `MSTS` / `STS <policy>`) to POP3 `CAPA` and SMTP `EHLO` replies,
// - it records every decrypted byte the client sent, so tests assert exactly what crossed the wire.
// Everything else is relayed unchanged over a verified TLS connection to the back end.
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { connect as connectTls, createServer, type TLSSocket } from 'node:tls'

export type DeepProxyOptions = {
  readonly protocol: 'pop3' | 'smtp'
  /** The back end's implicit-TLS port on 127.0.0.1. */
  readonly backendPort: number
  /** Trust anchor of the back end's certificate. */
  readonly backendCa: string
  /** The back end's certificate name. */
  readonly backendName: string
  /** What this proxy presents to the client. */
  readonly leaf: { readonly key: string; readonly cert: string }
  /** Argument of the added `DEEP` capability (omit to add none). */
  readonly deep?: string
  /** Argument of the added -05 capability: `MSTS` for SMTP, `STS` for POP3 (omit to add none). */
  readonly sts?: string
}

export type DeepProxy = {
  readonly port: number
  /** Decrypted bytes each client connection sent, in order (latin1). */
  clientBytes(): string[]
  /** Every client line (no CRLF) across connections. */
  clientLines(): string[]
  close(): Promise<void>
}

function extraCapabilities(o: DeepProxyOptions): string[] {
  const out: string[] = []
  if (o.deep !== undefined) out.push(`DEEP ${o.deep}`)
  if (o.sts !== undefined) out.push(`${o.protocol === 'smtp' ? 'MSTS' : 'STS'} ${o.sts}`)
  return out
}

/**
 * Rewrites the server→client stream line by line: for POP3 the lines of a CAPA reply get the extra
 * capabilities before the terminating ".", for SMTP an EHLO reply gets `250-<cap>` lines before its last
 * line. `expecting()` says whether the client's last command was CAPA / EHLO.
 */
function rewriter(o: DeepProxyOptions, expecting: () => boolean, done: () => void): (line: string) => string {
  const extra = extraCapabilities(o)
  return (line) => {
    if (!expecting()) return line
    if (o.protocol === 'pop3' && line === '.') {
      done()
      return [...extra, '.'].join('\r\n')
    }
    if (o.protocol === 'smtp' && /^250 /.test(line)) {
      done()
      return [...extra.map((c) => `250-${c}`), line].join('\r\n')
    }
    return line
  }
}

/** Starts the proxy on 127.0.0.1 (I/O). Close it in afterAll. */
export async function startDeepProxy(o: DeepProxyOptions): Promise<DeepProxy> {
  const sessions: string[] = []
  const sockets = new Set<TLSSocket>()
  const server = createServer({ key: o.leaf.key, cert: o.leaf.cert }, (client) => {
    const index = sessions.push('') - 1
    sockets.add(client)
    const backend = connectTls({
      host: '127.0.0.1',
      port: o.backendPort,
      ca: o.backendCa,
      servername: o.backendName,
    })
    sockets.add(backend)
    let awaiting = false
    const rewrite = rewriter(
      o,
      () => awaiting,
      () => {
        awaiting = false
      },
    )
    let fromClient = ''
    client.on('data', (chunk: Buffer) => {
      const text = chunk.toString('latin1')
      sessions[index] += text
      fromClient += text
      for (let end = fromClient.indexOf('\n'); end !== -1; end = fromClient.indexOf('\n')) {
        const line = fromClient.slice(0, end).replace(/\r$/, '')
        fromClient = fromClient.slice(end + 1)
        if (/^(CAPA|EHLO\b)/i.test(line)) awaiting = true
      }
      backend.write(chunk)
    })
    let fromServer = ''
    backend.on('data', (chunk: Buffer) => {
      fromServer += chunk.toString('latin1')
      let out = ''
      for (let end = fromServer.indexOf('\n'); end !== -1; end = fromServer.indexOf('\n')) {
        out += `${rewrite(fromServer.slice(0, end).replace(/\r$/, ''))}\r\n`
        fromServer = fromServer.slice(end + 1)
      }
      if (out !== '' && !client.destroyed) client.write(Buffer.from(out, 'latin1'))
    })
    const closeBoth = (): void => {
      client.destroy()
      backend.destroy()
      sockets.delete(client)
      sockets.delete(backend)
    }
    client.on('close', closeBoth)
    backend.on('close', closeBoth)
    client.on('error', closeBoth)
    backend.on('error', closeBoth)
  })
  // A client that rejects our certificate aborts the handshake: expected in these tests.
  server.on('tlsClientError', () => undefined)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return {
    port: (server.address() as AddressInfo).port,
    clientBytes: () => [...sessions],
    clientLines: () =>
      sessions.flatMap((s) =>
        s
          .split('\n')
          .map((l) => l.replace(/\r$/, ''))
          .filter((l) => l !== ''),
      ),
    async close() {
      for (const s of sockets) s.destroy()
      server.close()
      await once(server, 'close').catch(() => undefined)
    },
  }
}
