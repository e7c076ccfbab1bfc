// After a positive STARTTLS reply the next client bytes must be a TLS handshake record (content type
// 22, RFC 8446 §5.1). A client that sends anything else — say, a LOGIN in cleartext because its guard
// regressed — must show up in the fake's wire log, so the fakes look at that first chunk before
// handing the socket to TLS.
import type { Socket } from 'node:net'

const TLS_HANDSHAKE = 0x16

/**
 * Waits for the client's first chunk. A TLS record is pushed back and `tls()` is called to wrap the
 * socket; anything else is passed to `cleartext()` (the socket stays plain).
 */
export function awaitClientHello(socket: Socket, tls: () => void, cleartext: (chunk: Buffer) => void): void {
  socket.once('data', (first: Buffer) => {
    if (first[0] === TLS_HANDSHAKE) {
      socket.pause()
      socket.unshift(first)
      tls()
    } else cleartext(first)
  })
}
