// @mua-sts/core: the pure commitment model, evaluation, strengthening, wire parsers and reports.
// No I/O, no clock, no randomness (house style H3). Explicit export list (H2).

export { ErrorCode, ErrorMessages, isSdkError, SdkError, toSdkError } from './errors.js'
export { evaluate } from './evaluate/evaluate.js'
export { MIN_CIPHER_BITS } from './evaluate/rules/cipher.js'
export { daneOnly, requiresDane } from './evaluate/rules/dane.js'
export { requiredTlsVersion } from './evaluate/rules/tls-version.js'
export {
  RESULT_TYPE_BY_CODE,
  TLSRPT_RESULT_TYPES,
  type TlsrptResultType,
  type Verdict,
  VIOLATION_CODES,
  type Violation,
  type ViolationCode,
  ViolationSchema,
} from './evaluate/violation.js'
export {
  dnsIdMatches,
  type IdentityMatch,
  matchServerIdentity,
  type PresentedIdentities,
  parseSubjectAltName,
} from './identity/rfc7817.js'
export { isAtLeast, joinOnto, merge, securityKey } from './lattice/merge.js'
export { acceptableKeys, isPinned, joinPins, type Pins, pinsAccept } from './lattice/pins.js'
export { adoptImplicitTls, type StrengthenResult, strengthen } from './lattice/strengthen.js'
export {
  COMMITMENT_FORMAT,
  COMMITMENT_VERSION,
  type Commitment,
  CommitmentSchema,
  createCommitment,
  type Endpoint,
  EndpointSchema,
  type NewCommitmentInput,
  type Provenance,
  ProvenanceSchema,
  type ProvenanceSource,
  provenanceKey,
} from './model/commitment.js'
export {
  ANOMALIES,
  type Anomaly,
  type CertificateObservation,
  createObservation,
  type DeepStatus,
  daneValid,
  isServerAuthenticated,
  type Observation,
  type ObservationInput,
  ObservationSchema,
  pkixValid,
  type StsPolicy,
} from './model/observation.js'
export {
  type AccountRef,
  AccountRefSchema,
  canonicalHost,
  HostSchema,
  HttpsUrlSchema,
  ISO_TIME_PATTERN,
  type IsoTime,
  IsoTimeSchema,
  type ObservedTransport,
  ObservedTransportSchema,
  PortSchema,
  SERVICES,
  type Service,
  ServiceSchema,
  SpkiSchema,
  TLS_FLOORS,
  type TlsFloor,
  TlsFloorSchema,
  TRANSPORTS,
  type Transport,
  TransportSchema,
  tlsRank,
} from './model/primitives.js'
export { isAtOrUnder, isIpv4Literal, registrableDomain } from './model/registrable-domain.js'
export {
  acceptedStatusUrl,
  acceptStatusUrl,
  MAX_STATUS_URL,
  type ParsedStatusUrl,
  parseStatusUrl,
  type StatusUrlScope,
  statusUrlHostInScope,
} from './model/status-url.js'
export {
  isKnownTag,
  joinTlsCert,
  KNOWN_TAGS,
  type KnownTag,
  SECURITY_TAG_RE,
  SecurityTagSchema,
  SPKI_PIN_TAG,
  TLS_CERT_DIRECTIVES,
  TLS_VERSION_DIRECTIVES,
  type TlsCertDirective,
  type TlsVersionDirective,
} from './model/tags.js'
export { parseOptions } from './options.js'
export {
  CONNECT_PHASES,
  CONNECTION_FAILURE_CODES,
  type ConnectionFailure,
  ConnectionFailureSchema,
  type ConnectPhase,
  ConnectPhaseSchema,
  explainConnectionFailure,
} from './report/connection-failure.js'
export {
  EVIDENCE_KINDS,
  type Evidence,
  type EvidenceKind,
  EvidenceKindSchema,
  EvidenceSchema,
  evidenceKindOf,
  MAX_EVIDENCE,
} from './report/evidence.js'
export { failedDirectives, failedLatches } from './report/failed-properties.js'
export {
  buildFailureInBand,
  buildInBand,
  type ClientIdentity,
  carriesFailure,
  DEFAULT_IN_BAND_MODE,
  FAILURE_FIELDS,
  ID_FIELDS_04,
  ID_FIELDS_05,
  IN_BAND_MODES,
  type InBand,
  type InBandInput,
  type InBandMode,
  InBandModeSchema,
  idFieldsFor,
  inBandAllowed,
  offeredDirectives,
} from './report/in-band.js'
export { explainViolation, VIOLATION_MESSAGES } from './report/messages.js'
export {
  type BuildConnectionErrorInput,
  type BuildReportInput,
  buildConnectionErrorReport,
  buildReport,
  type ConnectionErrorReport,
  ConnectionErrorReportSchema,
  dedupKey,
  REPORT_ACTIONS,
  REPORT_SCHEMA_VERSION,
  type Report,
  type ReportAction,
  ReportSchema,
  reportJsonSchema,
  VIOLATION_ACTIONS,
  type ViolationAction,
  type ViolationReport,
  ViolationReportSchema,
} from './report/report.js'
export {
  CAPABILITY_ATOM_RE,
  capabilityAtoms,
  MAX_PRE_TLS_ATOMS,
  SAFE_TOKEN_RE,
  safeText,
  safeToken,
} from './report/sanitize.js'
export {
  type BuildSecurityRecordInput,
  buildSecurityRecord,
  RECORD_DANE_STATUSES,
  SECURITY_RECORD_FORMAT,
  SECURITY_RECORD_VERSION,
  type SecurityRecord,
  SecurityRecordSchema,
  type SocketFacts,
} from './report/security-record.js'
export { CommitmentViolationError, isCommitmentViolation } from './report/violation-error.js'
export {
  addedByCeremony,
  type CeremonyChange,
  servicesOfCeremony,
  withPins,
} from './store/ceremony-change.js'
export {
  type CeremonyScope,
  checkForgetRequest,
  checkPinRotation,
  checkPinSet,
  checkReplacement,
} from './store/ceremony-checks.js'
export {
  type AuditKind,
  type AuditRecord,
  type CommitmentStore,
  CommitmentStoreSchema,
  type ForgetRequest,
  type PinSet,
} from './store/commitment-store.js'
export { storeCorrupt, storeRollback } from './store/store-errors.js'
export { hasCapability, parseDeepCapability, parseStsCapability } from './wire/capabilities.js'
export {
  MAX_DEEP_STATUS,
  type ParsedDeepStatus,
  parseDeepStatus,
  renderDeepStatus,
} from './wire/deep-status.js'
export { ESMTP_VALUE_RE, sanitizeEsmtpValue } from './wire/esmtp-value.js'
export {
  deepStatusFromId,
  ID_MAX_FIELD,
  ID_MAX_PAIRS,
  ID_MAX_VALUE,
  type IdFields,
  limitIdFields,
  parseIdParams,
  renderIdParams,
  stsPolicyFromId,
} from './wire/imap-id.js'
export { parseReceivedTls, type ReceivedTls, renderReceivedTls } from './wire/received-tls.js'
export type { ParseErrorCode, ParseResult } from './wire/result.js'
export {
  type ClientReport,
  MAX_SMTP_COMMAND,
  type ParsedClient04,
  parseClient04,
  renderClient04,
} from './wire/smtp-client-04.js'
export { type ClientReport05, parseClient05, renderClient05 } from './wire/smtp-client-05.js'
export { type ParsedStsPolicy, parseStsPolicy, renderStsPolicy } from './wire/sts-policy.js'
