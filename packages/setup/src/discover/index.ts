// Public surface of the discovery half of @mua-sts/setup. Explicit list (house style): anything not
// named here is internal.

export type { AutoconfigParse, AutoconfigServer } from './autoconfig-xml.js'
export { AUTOCONFIG_MAX_BYTES, parseAutoconfig } from './autoconfig-xml.js'
export type {
  Candidate,
  Discovery,
  NotOffered,
  Service,
  Source,
  SourceIssue,
  Transport,
  Trust,
  TrustReason,
} from './candidate.js'
export {
  CandidateSchema,
  DiscoverySchema,
  HostnameSchema,
  NotOfferedSchema,
  ServiceSchema,
  SourceIssueSchema,
  SourceSchema,
  TransportSchema,
  TrustSchema,
} from './candidate.js'
export { discover } from './discover.js'
export type { EmailParts } from './email.js'
export { parseEmail } from './email.js'
export { DiscoverError, DiscoverErrorCode, IssueCode } from './errors.js'
export type { DiscoveryFetch, FetchOptions, FetchResult, HttpsFetchOptions } from './https-fetch.js'
export { httpsFetch } from './https-fetch.js'
export {
  addManualCandidates,
  type ManualCandidateInput,
  ManualCandidateInputSchema,
  manualCandidate,
} from './manual.js'
export { registrableDomain } from './mx.js'
export type { DiscoverOptions } from './options.js'
export { DiscoverOptionsSchema } from './options.js'
export type { DiscoveryResolver, MxRecord, SrvRecord } from './resolver.js'
export { systemResolver } from './resolver.js'
