// What a fake server received is tagged with the phase it arrived in: before or after the TLS handshake.
export type Phase = 'plain' | 'tls'
