// One HTTPS POST to the collector. This is always its own connection to the configured collector, never
// the mail connection that failed (house style H13): nothing of a failed session is reused. Chain and name
// are validated by Node (rejectUnauthorized is never turned off); an optional SPKI pin is checked in
// checkServerIdentity, which Node runs when the handshake completes and before 'secureConnect'; the request
// (line, headers, body) is only written after 'secureConnect', so on a mismatch not one byte is sent.
// The agent keeps no TLS sessions: a resumed session would skip checkServerIdentity.
import { createHash, X509Certificate } from 'node:crypto'
import { Agent, request } from 'node:https'
import { checkServerIdentity, type PeerCertificate, type TLSSocket } from 'node:tls'
import { ErrorCode, SdkError } from '@mua-sts/core'

/** Where and how to POST: the collector URL and the trust settings for its TLS. */
export type PostTarget = {
  readonly url: URL
  readonly ca: readonly string[] | undefined
  readonly spkiPins: readonly string[] | undefined
  readonly timeoutMs: number
  readonly headers: Readonly<Record<string, string>>
}

const MAX_RESPONSE_BYTES = 64 * 1024

/** The status line the collector answered with. */
export type PostResult = { readonly status: number }

/** A keep-alive agent with one socket and no TLS session cache (see above). */
export function createDeliveryAgent(): Agent {
  return new Agent({ keepAlive: true, maxSockets: 1, maxCachedSessions: 0 })
}

/** base64 SHA-256 of the certificate's DER SubjectPublicKeyInfo (RFC 7469 pin format). Pure. */
export function spkiPinOf(raw: Buffer): string {
  const der = new X509Certificate(raw).publicKey.export({ type: 'spki', format: 'der' })
  return createHash('sha256').update(der).digest('base64')
}

function identityCheck(pins: readonly string[] | undefined) {
  return (host: string, cert: PeerCertificate): Error | undefined => {
    const nameError = checkServerIdentity(host, cert)
    if (nameError !== undefined) return nameError
    if (pins === undefined) return undefined
    const pin = spkiPinOf(cert.raw)
    if (pins.includes(pin)) return undefined
    return new SdkError(ErrorCode.ReportDelivery, `collector key is not pinned (SPKI ${pin})`, {
      details: { reason: 'spki_pin_mismatch', spki: pin },
    })
  }
}

/** Sends `body` and resolves with the response status (the response body is drained and ignored). */
export function postJson(
  target: PostTarget,
  body: Buffer,
  idempotencyKey: string,
  agent: Agent,
  signal: AbortSignal,
): Promise<PostResult> {
  const { url } = target
  return new Promise((resolve, reject) => {
    const req = request(
      {
        protocol: 'https:',
        hostname: url.hostname.replace(/^\[|\]$/g, ''),
        port: url.port === '' ? 443 : Number(url.port),
        path: `${url.pathname}${url.search}`,
        method: 'POST',
        agent,
        signal,
        rejectUnauthorized: true,
        minVersion: 'TLSv1.2',
        ...(target.ca === undefined ? {} : { ca: [...target.ca] }),
        checkServerIdentity: identityCheck(target.spkiPins),
        headers: {
          ...target.headers,
          'content-type': 'application/json',
          'content-length': String(body.length),
          'idempotency-key': idempotencyKey,
        },
      },
      (res) => {
        let received = 0
        res.on('data', (chunk: Buffer) => {
          received += chunk.length
          // The answer is only a status; a collector that streams a body forever must not pin us.
          if (received > MAX_RESPONSE_BYTES)
            req.destroy(new SdkError(ErrorCode.TooLarge, 'collector response too large'))
        })
        res.on('error', reject)
        res.on('end', () => resolve({ status: res.statusCode ?? 0 }))
      },
    )
    req.setTimeout(target.timeoutMs, () => {
      req.destroy(new SdkError(ErrorCode.Timeout, `collector did not answer within ${target.timeoutMs} ms`))
    })
    req.on('error', reject)
    // Defence in depth: nothing (not even the request line) is written before this socket has passed
    // chain, name and pin checks. A reused keep-alive socket passed them when it was opened.
    req.once('socket', (socket) => {
      const tls = socket as TLSSocket
      if (tls.authorized) req.end(body)
      else tls.once('secureConnect', () => req.end(body))
    })
  })
}
