// Writes docs/reference/report.schema.json from core's ReportSchema (z.toJSONSchema).
// A test fails when the committed file and the schema drift apart; run this to refresh it.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { reportJsonSchema } from '../packages/core/src/index.js'

export const REPORT_SCHEMA_PATH = join(import.meta.dirname, '..', 'docs', 'reference', 'report.schema.json')

export function renderReportSchema(): string {
  return `${JSON.stringify({ $id: 'https://mua-sts.invalid/report.schema.json', title: 'mua-sts report', ...reportJsonSchema() }, null, 2)}\n`
}

if (process.argv[1]?.endsWith('gen-report-schema.ts')) {
  writeFileSync(REPORT_SCHEMA_PATH, renderReportSchema())
  console.log(`wrote ${REPORT_SCHEMA_PATH}`)
}
