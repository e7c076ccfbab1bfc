// Fixed protocol limits. Caller-tunable limits (message and listing sizes, timeouts) live in options.ts.

/**
 * Longest first line of any response, including the greeting and SASL `+` continuations, in octets
 * including CRLF. RFC 2449 §4: "The maximum length of the first line of a command response
 * (including the initial greeting) is unchanged at 512 octets (including the terminating CRLF)."
 * We enforce the RFC value exactly: a longer line is a protocol error, never buffered further.
 */
export const STATUS_LINE_MAX = 512

/** Longest CAPA capability line incl. CRLF: RFC 2449 §9 grammar, `capability = ... ; 512 octets maximum`. */
export const CAPA_LINE_MAX = 512

/** Whole CAPA response (decoded). Real servers send < 1 KiB; 16 KiB bounds a hostile pre-TLS server. */
export const CAPA_RESPONSE_MAX = 16 * 1024

/**
 * Longest LIST/UIDL listing line incl. CRLF. RFC 1939 §7 caps a unique-id at 70 octets and a scan
 * listing is two numbers, so the RFC 2449 §4 first-line limit is generous for these too.
 */
export const LISTING_LINE_MAX = 512

/** Longest command line we send, incl. CRLF. RFC 2449 §4: commands may be up to 255 octets. */
export const COMMAND_LINE_MAX = 255

/**
 * RFC 5034 §4: if `AUTH mech initial-response` would exceed 255 octets the client MUST NOT send the
 * initial response and waits for the server's `+` instead.
 */
export const AUTH_INITIAL_RESPONSE_LINE_MAX = 255
