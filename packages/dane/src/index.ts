// @mua-sts/dane: TLSA lookup through the app's validating resolver, and RFC 6698/7671 matching.

export { DANE_STATUSES, type DaneOutcome, type DaneStatus, daneOutcome } from './dane-outcome.js'
export {
  isLoopback,
  parseResolverAddress,
  type ResolverAddress,
  type TlsaBase,
  TlsaBaseSchema,
  tlsaQueryName,
  type ValidatingResolver,
  type ValidatingResolverOptions,
  ValidatingResolverSchema,
  validatingResolver,
} from './resolver.js'
export { spkiOfCertificate } from './spki-of-cert.js'
export {
  certificateChainDer,
  daneOutcomeForSocket,
  peerChainDer,
  type SocketDaneOptions,
} from './tls-socket.js'
export { classifyTlsaAnswer, LOOKUP_FAILURES, type LookupFailure, type TlsaLookup } from './tlsa-answer.js'
export { TlsaCache } from './tlsa-cache.js'
export { tlsaRecordFor } from './tlsa-for-cert.js'
export { type LookupOptions, lookupTlsa, prefetchTlsa, type TlsaPrefetch } from './tlsa-lookup.js'
export {
  MATCH_FAILURES,
  type MatchContext,
  type MatchFailure,
  matchTlsa,
  type TlsaMatch,
} from './tlsa-match.js'
export {
  encodeTlsaRdata,
  formatTlsa,
  parseTlsaRdata,
  parseTlsaText,
  TlsaMatchingType,
  type TlsaRecord,
  TlsaRecordSchema,
  TlsaSelector,
  TlsaUsage,
  type Unusable,
  unusableReason,
  usableRecords,
} from './tlsa-record.js'
