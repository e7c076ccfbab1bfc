// The audit trail of the store's ceremonies (forget, replace, rotate-pins, reset): one JSON record per line (JSONL), append-only, fsynced before the
// commitment is removed. Lines are chained (each names the hash of the previous line) and MACed with
// their own subkey, and the record count and head hash are part of the keychain high-water marks, so
// an edited, reordered, truncated or deleted log fails closed like a store file does. A torn last line
// (no newline: a crash during the append, never acknowledged) is ignored when reading and cut off by the
// next append.
import {
  AccountRefSchema,
  type AuditRecord,
  CommitmentSchema,
  ErrorCode,
  IsoTimeSchema,
  ServiceSchema,
} from '@mua-sts/core'
import * as z from 'zod'
import { canonicalJson } from '../format/canonical-json.js'
import { appendDurable, readCapped } from '../fs/safe-file.js'
import { contentHash, MacSchema, mac, type StoreKeys, sameMac } from '../integrity/keys.js'
import type { Marks } from '../integrity/mark-snapshot.js'
import { corrupt, rollback } from '../store-errors.js'

/** Name of the audit log inside a store directory. */
export const AUDIT_FILE = 'audit.jsonl'
const MAX_AUDIT_BYTES = 64 * 1024 * 1024

/** What an audit record says about data that failed verification when it was forgotten. */
export const UnverifiedSchema = z.strictObject({
  code: z.enum([ErrorCode.StoreCorrupt, ErrorCode.StoreRollback]),
  /** Where the unverifiable file was moved (relative to the store directory), or null if there was none. */
  quarantined: z.string().max(256).nullable(),
})

const RelativePath = z.string().min(1).max(256)

/** What a `reset` record says about the store it re-keyed (see reset/reset-ceremony.ts). */
export const ResetDetailsSchema = z.strictObject({
  /** The code the store failed with before the reset. */
  cause: z.enum([ErrorCode.StoreCorrupt, ErrorCode.StoreRollback, ErrorCode.KeychainUnavailable]),
  /** 'store': key, marks or marker lost, every file quarantined and the store re-keyed; 'audit-log': only the log. */
  scope: z.enum(['store', 'audit-log']),
  /** Why the store could not be verified, as diagnosed (never a secret). */
  diagnosis: z.string().min(1).max(512),
  /** Folder (relative to the store directory) holding the quarantined files. */
  quarantine: RelativePath,
  /** How many account files were quarantined (their commitments are no longer in force). */
  accounts: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  /** The previous audit log, so the history stays traceable: where it is and its SHA-256. */
  previousAudit: z
    .strictObject({
      file: RelativePath,
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
      bytes: z.number().int().min(0),
    })
    .nullable(),
})

/**
 * Schema of one audit record (validated on every read of the log). Logs written before `replace`,
 * `rotate-pins` and `reset` existed hold only `forget` records, which still parse unchanged.
 */
export const StoreAuditRecordSchema = z
  .strictObject({
    kind: z.enum(['forget', 'replace', 'rotate-pins', 'reset']),
    at: IsoTimeSchema,
    /** The account; for `reset`, `store:<storeId>` (the record concerns the whole store). */
    account: AccountRefSchema,
    services: z.array(ServiceSchema).max(3),
    actor: z.string().min(1).max(256),
    reason: z.string().min(1).max(4096),
    removed: z.array(CommitmentSchema).max(3),
    added: z.array(CommitmentSchema).max(3).optional(),
    unverified: UnverifiedSchema.optional(),
    reset: ResetDetailsSchema.optional(),
  })
  .refine((r) => (r.kind === 'reset') === (r.reset !== undefined), {
    message: 'reset details belong to, and only to, a reset record',
  })
  .refine((r) => (r.kind === 'replace' || r.kind === 'rotate-pins') === (r.added !== undefined), {
    message: 'added belongs to, and only to, replace and rotate-pins records',
  })
/**
 * An audit record as FileStore writes it: core's AuditRecord plus what was unverifiable (forget,
 * replace) or what a reset did, if anything.
 */
export type StoreAuditRecord = AuditRecord & {
  readonly unverified?: z.infer<typeof UnverifiedSchema>
  readonly reset?: z.infer<typeof ResetDetailsSchema>
}

const LineSchema = z.strictObject({
  n: z.number().int().min(1),
  prev: z.string().nullable(),
  record: StoreAuditRecordSchema,
  mac: MacSchema.nullable(),
})

type ParsedLog = { records: StoreAuditRecord[]; hashes: string[]; completeBytes: number }

function parseLog(bytes: Buffer, keys: StoreKeys | null): ParsedLog {
  const end = bytes.lastIndexOf(0x0a) + 1 // everything after the last newline is a torn tail
  const lines =
    end === 0
      ? []
      : bytes
          .subarray(0, end - 1)
          .toString('utf8')
          .split('\n')
  const records: StoreAuditRecord[] = []
  const hashes: string[] = []
  for (const [i, text] of lines.entries()) {
    let raw: unknown
    try {
      raw = JSON.parse(text)
    } catch (error) {
      throw corrupt('audit log line is not JSON', { line: i + 1 }, error)
    }
    const parsed = LineSchema.safeParse(raw)
    if (!parsed.success) throw corrupt('audit log line is malformed', { line: i + 1 }, parsed.error)
    const line = parsed.data
    if (text !== canonicalJson(raw)) throw corrupt('audit log line is not canonical', { line: i + 1 })
    if (line.n !== i + 1 || line.prev !== (hashes[i - 1] ?? null)) {
      throw corrupt('audit log chain is broken', { line: i + 1 })
    }
    if ((keys === null) !== (line.mac === null))
      throw corrupt('audit log MAC presence mismatch', { line: i + 1 })
    if (
      keys !== null &&
      !sameMac(line.mac ?? '', mac(keys.audit, canonicalJson({ ...line, mac: undefined })))
    ) {
      throw corrupt('audit log MAC mismatch', { line: i + 1 })
    }
    records.push(line.record as StoreAuditRecord)
    hashes.push(contentHash(Buffer.from(text, 'utf8')))
  }
  return { records, hashes, completeBytes: end }
}

/** The audit log of one store directory. */
export class AuditLog {
  readonly #dir: string
  readonly #keys: StoreKeys | null

  constructor(dir: string, keys: StoreKeys | null) {
    this.#dir = dir
    this.#keys = keys
  }

  async #load(): Promise<{ bytes: Buffer; log: ParsedLog }> {
    const bytes = readCapped(this.#dir, AUDIT_FILE, MAX_AUDIT_BYTES)?.bytes ?? Buffer.alloc(0)
    return { bytes, log: parseLog(bytes, this.#keys) }
  }

  /**
   * Every record, oldest first. Does I/O. Verifies the chain and MACs, and against `marks` (null in an
   * unprotected store) that no acknowledged record was cut off. Throws MUASTS_ERR_STORE_CORRUPT or
   * MUASTS_ERR_STORE_ROLLBACK.
   */
  async read(marks: Marks | null): Promise<StoreAuditRecord[]> {
    const { log } = await this.#load()
    if (marks !== null) checkAuditMark(log, marks)
    return log.records
  }

  /**
   * Appends one record durably. Must be called under the store lock. Returns the new record count and
   * head hash for the high-water marks. Does I/O; throws like `read` and MUASTS_ERR_STORE_IO.
   */
  async append(record: StoreAuditRecord, marks: Marks | null): Promise<{ records: number; head: string }> {
    const { bytes, log } = await this.#load()
    if (marks !== null) checkAuditMark(log, marks)
    const unsigned = { n: log.records.length + 1, prev: log.hashes.at(-1) ?? null, record }
    const text = canonicalJson({
      ...unsigned,
      mac: this.#keys === null ? null : mac(this.#keys.audit, canonicalJson(unsigned)),
    })
    const torn = log.completeBytes < bytes.length ? log.completeBytes : undefined
    await appendDurable(this.#dir, AUDIT_FILE, Buffer.from(`${text}\n`, 'utf8'), torn)
    return { records: unsigned.n, head: contentHash(Buffer.from(text, 'utf8')) }
  }
}

function checkAuditMark(log: ParsedLog, marks: Marks): void {
  const { records, head } = marks.audit
  if (records === 0) return
  // The log may be ahead of its mark (crash after the append), never behind or different.
  if (log.records.length < records || log.hashes[records - 1] !== head) {
    throw rollback('audit log is shorter than or differs from its high-water mark', {
      records: log.records.length,
      mark: records,
    })
  }
}
