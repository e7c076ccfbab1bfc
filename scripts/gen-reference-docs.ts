// Generates docs/reference/{error-codes,violation-codes}.md and report.schema.json from core's tables,
// so the reference can never drift from the code (a test compares the committed files).
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  ErrorCode,
  ErrorMessages,
  RESULT_TYPE_BY_CODE,
  VIOLATION_CODES,
  VIOLATION_MESSAGES,
} from '../packages/core/src/index.js'
import { REPORT_SCHEMA_PATH, renderReportSchema } from './gen-report-schema.js'

const REF = join(import.meta.dirname, '..', 'docs', 'reference')

// Which DEEP tag or -05 directive a violation can carry in latch-fail / policy-fail.
const TAGS: Readonly<Record<string, string>> = {
  tls_version_below_floor: '`tls11`, `tls12` (latch) or `tls-version` (directive); none for the RFC 8997 floor alone',
  cipher_too_weak: '`tls11` / `tls12` when latched',
  certificate_not_trusted: '`tls-cert` when latched',
  certificate_expired: '`tls-cert` when latched',
  certificate_host_mismatch: '`tls-cert` when latched',
  spki_pin_mismatch: '`spki-pin` (private tag)',
  dane_unsatisfied: '`tls-dane-tlsa` (latch) or `tls-cert` (directive `dane`/`pkix+dane`)',
}

export function renderErrorCodes(): string {
  const rows = Object.entries(ErrorCode).map(([name, code]) => `| \`${code}\` | \`ErrorCode.${name}\` | ${ErrorMessages[code]} |`)
  return `# Error codes

Generated from \`packages/core/src/errors.ts\` by \`scripts/gen-reference-docs.ts\`. Match on \`error.code\`
(or \`isSdkError(e, code)\`), never on the message. Codes are never renamed, only added.

| code | constant | meaning |
| --- | --- | --- |
${rows.join('\n')}
`
}

export function renderViolationCodes(): string {
  const rows = VIOLATION_CODES.map(
    (c) => `| \`${c}\` | \`${RESULT_TYPE_BY_CODE[c]}\` | ${TAGS[c] ?? '—'} | ${VIOLATION_MESSAGES[c]} |`,
  )
  return `# Violation codes

Generated from \`packages/core/src/evaluate/violation.ts\` and \`report/messages.ts\`. A violation is data
inside a report (\`report.violations[]\`), not an exception. The TLSRPT column is the RFC 8460 §4.3
result type the violation is reported under (RFC 8460 has no type for TLS versions or pins, so those are
\`validation-failure\`; the violation code goes into \`failure-reason-code\`). \`dane_unsatisfied\` uses
\`tlsa-invalid\`, \`dnssec-invalid\` or \`dane-required\` depending on the DANE result.

| code | TLSRPT result-type | in-band tag (latch-fail) | default explanation |
| --- | --- | --- | --- |
${rows.join('\n')}
`
}

export const REFERENCE_FILES: ReadonlyArray<[string, () => string]> = [
  [join(REF, 'error-codes.md'), renderErrorCodes],
  [join(REF, 'violation-codes.md'), renderViolationCodes],
  [REPORT_SCHEMA_PATH, renderReportSchema],
]

if (process.argv[1]?.endsWith('gen-reference-docs.ts')) {
  for (const [path, render] of REFERENCE_FILES) {
    writeFileSync(path, render())
    console.log(`wrote ${path}`)
  }
}
